import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// What is at a container's rootfs mount point: a live mount, a stale one (its FUSE daemon was
/// killed, so every access answers ENOTCONN), or nothing.
///
/// Read from the path each time it is asked; a plain value.
public enum MountHealth: String, Codable, Sendable {
    case mounted, stale, absent

    /// Probes `path`: ENOTCONN means a FUSE mount whose daemon is gone; a device number different
    /// from the parent's means a mount. The kernel may answer lstat of a FUSE root from its cache,
    /// so a mount is also opened and asked for statfs, which always reaches the daemon.
    public static func of(_ path: String) -> MountHealth {
        do {
            _ = try PosixCall.lstat(path)
        } catch {
            return error.errno == ENOTCONN ? .stale : .absent
        }
        guard KernelMount.isMountPoint(path) else { return .absent }
        do {
            let directory = try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY)
            defer { directory.close() }
            _ = try directory.fileSystemStatistics()
        } catch where error.errno == ENOTCONN || error.errno == ECONNABORTED {
            return .stale
        } catch {
            return .mounted
        }
        return .mounted
    }
}
