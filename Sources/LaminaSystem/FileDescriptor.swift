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
    public func open(_ path: String, flags: Int32, mode: mode_t = 0) throws(SystemError) -> FileDescriptor {
        let fd = try retryingOnInterrupt("open", path: path) {
            clamina_openat(rawValue, path, flags | O_CLOEXEC, mode)
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
    public func status(of path: String, followingSymlinks: Bool = false) throws(SystemError) -> stat {
        var result = stat()
        let flags = followingSymlinks ? 0 : AT_SYMLINK_NOFOLLOW
        _ = try retryingOnInterrupt("stat", path: path) { fstatat(rawValue, path, &result, flags) }
        return result
    }

    /// fstatat(2) that answers nil for ENOENT and ENOTDIR, the "nothing there" cases.
    public func statusIfPresent(of path: String) throws(SystemError) -> stat? {
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
}
