import CLaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension FileDescriptor {

    /// openat2(2) of `path` resolved inside this directory as if it were the root: an absolute
    /// symbolic link or `..` in a container's file system never reaches the host's files.
    public func openInRoot(_ path: String, flags: Int32, mode: mode_t = 0) throws(SystemError) -> FileDescriptor {
        let fd = try retryingOnInterrupt("openat2", path: path) {
            clamina_open_in_root(rawValue, path, flags | O_CLOEXEC, mode)
        }
        return FileDescriptor(rawValue: fd)
    }
}
