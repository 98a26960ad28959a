#if canImport(Glibc)
import Glibc
#endif

/// A whole file mapped read-only and shared (mmap(2) `PROT_READ`, `MAP_SHARED`), so every process
/// that maps the same immutable file reads one copy of it from the page cache.
///
/// Owns the mapping and unmaps it in `deinit`. The file must not be truncated while it is mapped
/// (a read past the new end raises SIGBUS): map only files that are never changed after they are
/// renamed into place. Thread safety: immutable after `init`; concurrent reads are safe.
public final class MappedFile: @unchecked Sendable {
    /// The mapped bytes (empty for an empty file).
    public let bytes: UnsafeRawBufferPointer
    public let path: String

    /// Maps the file at `path` (relative paths from the working directory).
    public init(path: String) throws(SystemError) {
        self.path = path
        let descriptor = try FileDescriptor.open(path, flags: O_RDONLY)
        defer { descriptor.close() }
        let info = try descriptor.status()
        guard info.st_mode & S_IFMT == S_IFREG else { throw SystemError("mmap", errno: EINVAL, path: path) }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor.rawValue, 0)
        guard let address, address != MAP_FAILED else { throw SystemError.current("mmap", path: path) }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
