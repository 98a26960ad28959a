#if canImport(Glibc)
import Glibc
#endif

/// mount(2) and umount2(2): attaching and detaching file systems (kernel overlayfs, FUSE mounts).
public enum KernelMount {
    /// Mounts `source` of file system `type` on `target` with the comma-separated `options`
    /// (the kernel limits them to one page).
    public static func mount(source: String, target: String, type: String, options: String, flags: UInt = 0) throws(SystemError) {
        _ = try retryingOnInterrupt("mount \(type)", path: target) {
            Glibc.mount(source, target, type, flags, options)
        }
    }

    /// Unmounts `target`; `detach` makes it lazy (MNT_DETACH), for cleaning up after a failure.
    public static func unmount(_ target: String, detach: Bool = false) throws(SystemError) {
        _ = try retryingOnInterrupt("umount", path: target) {
            Glibc.umount2(target, detach ? Int32(MNT_DETACH) : 0)
        }
    }

    /// True when `path` is the root of a mount other than its parent's (device numbers differ).
    public static func isMountPoint(_ path: String) -> Bool {
        guard let own = try? PosixCall.lstat(path), let parent = try? PosixCall.lstat(path + "/..") else {
            return false
        }
        return own.st_dev != parent.st_dev || own.st_ino == parent.st_ino
    }
}
