import CLaminaSystem
#if canImport(Glibc)
import Glibc
#endif

/// An open file descriptor, and the one place Lamina calls the descriptor-relative syscalls.
///
/// Paths given to the methods are relative to this descriptor (the `*at` family), so the engine
/// resolves names from per-layer root descriptors instead of joining absolute paths. A value type:
/// whoever opened a descriptor closes it (`close()`); copies share the same kernel descriptor.
/// Thread safety: the kernel serializes calls on a descriptor; the struct itself is immutable.
public struct FileDescriptor: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `AT_FDCWD`: paths relative to the working directory (or absolute).
    public static let currentDirectory = FileDescriptor(rawValue: AT_FDCWD)

    public var description: String { "fd \(rawValue)" }

    /// openat(2). `O_CLOEXEC` is always added.
    @inlinable
    public func open(_ path: some PathArgument, flags: Int32, mode: mode_t = 0) throws(SystemError) -> FileDescriptor {
        let fd = try retryingOnInterrupt("open", path: path.description) {
            path.withPathCString { clamina_openat(rawValue, $0, flags | O_CLOEXEC, mode) }
        }
        return FileDescriptor(rawValue: fd)
    }

    /// open(2) of a path relative to the working directory.
    public static func open(_ path: String, flags: Int32, mode: mode_t = 0) throws(SystemError) -> FileDescriptor {
        try currentDirectory.open(path, flags: flags, mode: mode)
    }

    /// close(2). Errors are not retried (Linux releases the descriptor even on EINTR).
    public func close() {
        _ = Glibc.close(rawValue)
    }

    /// fstat(2).
    public func status() throws(SystemError) -> stat {
        var result = stat()
        _ = try retryingOnInterrupt("fstat") { fstat(rawValue, &result) }
        return result
    }

    /// fstatat(2); does not follow a final symlink unless asked.
    @inlinable
    public func status(of path: some PathArgument, followingSymlinks: Bool = false) throws(SystemError) -> stat {
        var result = stat()
        let flags = followingSymlinks ? 0 : AT_SYMLINK_NOFOLLOW
        _ = try retryingOnInterrupt("stat", path: path.description) {
            path.withPathCString { fstatat(rawValue, $0, &result, flags) }
        }
        return result
    }

    /// fstatat(2) that answers nil for ENOENT and ENOTDIR, the "nothing there" cases.
    @inlinable
    public func statusIfPresent(of path: some PathArgument) throws(SystemError) -> stat? {
        do {
            return try status(of: path)
        } catch where error.errno == ENOENT || error.errno == ENOTDIR {
            return nil
        }
    }

    /// fstatvfs(2).
    public func fileSystemStatistics() throws(SystemError) -> statvfs {
        var result = statvfs()
        _ = try retryingOnInterrupt("statvfs") { fstatvfs(rawValue, &result) }
        return result
    }


    /// The `/proc/self/fd/N/path` name of a path under this descriptor, for the syscalls that have
    /// no `*at` form (the `l*xattr` family).
    public func procPath(_ path: String) -> String {
        path == "." ? "/proc/self/fd/\(rawValue)" : "/proc/self/fd/\(rawValue)/\(path)"
    }

    /// Runs `body` with `/proc/self/fd/N/path` as a C string, built from the path's bytes (a name
    /// that is not UTF-8 stays what it is).
    func withProcPath<R>(_ path: some PathArgument, _ body: (UnsafePointer<CChar>) -> R) -> R {
        path.withPathCString { pointer in
            var bytes = Array("/proc/self/fd/\(rawValue)".utf8)
            // "/proc/self/fd/N/." for the directory itself: the trailing "." makes the l*xattr calls
            // act on the directory, not on the /proc symlink.
            let length = strlen(pointer)
            bytes.append(UInt8(ascii: "/"))
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: length))
            bytes.append(0)
            return bytes.withUnsafeBytes { body($0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
        }
    }
}
