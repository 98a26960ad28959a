import CLaminaSystem
#if canImport(Glibc)
import Glibc
#endif

/// Changing a file's mode, owner, times and size, and syncing it.
extension FileDescriptor {
    /// fchmod(2).
    public func setMode(_ mode: mode_t) throws(SystemError) {
        _ = try retryingOnInterrupt("chmod") { fchmod(rawValue, mode) }
    }

    /// fchmodat(2) (follows symlinks: Linux cannot chmod a symlink).
    public func setMode(_ mode: mode_t, of path: some PathArgument) throws(SystemError) {
        _ = try retryingOnInterrupt("chmod", path: path.description) { path.withPathCString { fchmodat(rawValue, $0, mode, 0) } }
    }

    /// fchown(2).
    public func setOwner(uid: uid_t, gid: gid_t) throws(SystemError) {
        _ = try retryingOnInterrupt("chown") { fchown(rawValue, uid, gid) }
    }

    /// fchownat(2) without following a final symlink. `UInt32.max` leaves an id unchanged.
    public func setOwner(of path: some PathArgument, uid: uid_t, gid: gid_t) throws(SystemError) {
        _ = try retryingOnInterrupt("chown", path: path.description) {
            path.withPathCString { fchownat(rawValue, $0, uid, gid, AT_SYMLINK_NOFOLLOW) }
        }
    }

    /// futimens(2).
    public func setTimes(access: timespec, modification: timespec) throws(SystemError) {
        let times = [access, modification]
        _ = try retryingOnInterrupt("utimens") { futimens(rawValue, times) }
    }

    /// utimensat(2) without following a final symlink.
    public func setTimes(of path: some PathArgument, access: timespec, modification: timespec) throws(SystemError) {
        let times = [access, modification]
        _ = try retryingOnInterrupt("utimens", path: path.description) {
            path.withPathCString { utimensat(rawValue, $0, times, AT_SYMLINK_NOFOLLOW) }
        }
    }

    /// A timespec meaning "the current time" for `setTimes`.
    public static var timeNow: timespec { timespec(tv_sec: 0, tv_nsec: clamina_utime_now()) }
    /// A timespec meaning "leave unchanged" for `setTimes`.
    public static var timeOmitted: timespec { timespec(tv_sec: 0, tv_nsec: clamina_utime_omit()) }

    /// ftruncate(2).
    public func truncate(to size: off_t) throws(SystemError) {
        _ = try retryingOnInterrupt("truncate") { ftruncate(rawValue, size) }
    }

    /// fallocate(2).
    public func allocate(mode: Int32, offset: off_t, length: off_t) throws(SystemError) {
        _ = try retryingOnInterrupt("fallocate") { clamina_fallocate(rawValue, mode, offset, length) }
    }

    /// fsync(2), or fdatasync(2) when only the data must reach the disk.
    public func synchronize(dataOnly: Bool = false) throws(SystemError) {
        _ = try retryingOnInterrupt(dataOnly ? "fdatasync" : "fsync") {
            dataOnly ? fdatasync(rawValue) : fsync(rawValue)
        }
    }
}
