import Glibc
import LaminaSystem

/// Finds the namespace a writable mount can keep the overlay's markers (opaque, redirect) in, the
/// way kernel overlayfs checks its upper layer: by setting one on a file in the work directory.
///
/// `trusted.overlay.*` is what the kernel reads and is tried first; only host root may set it, so
/// as the root of a user namespace (rootless podman's mount program, `unshare -Ur`) or as a plain
/// user the mount falls back to `user.overlay.*`, as `-o userxattr` asks for and as fuse-overlayfs
/// falls back to `user.fuseoverlayfs.*`. The engine reads markers in all three namespaces.
///
/// Stateless namespace; the probe file (`#lamina.probe-PID`) is removed before returning.
enum MarkerNamespaceProbe {
    static let candidates = ["trusted.overlay.", "user.overlay."]

    /// The first candidate the work directory's file system accepts, or nil when it takes neither
    /// (then the engine falls back to what it can write: device or `.wh.` whiteouts, no markers).
    static func namespace(workDirectory: String) throws(MountError) -> String? {
        let name = MountPreflight.stagingNamePrefix + "probe-\(getpid())"
        do {
            let work = try FileDescriptor.open(workDirectory, flags: O_RDONLY | O_DIRECTORY)
            defer { work.close() }
            let file = try work.open(name, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
            defer {
                file.close()
                try? work.unlink(name)
            }
            for namespace in candidates {
                do {
                    try file.setExtendedAttribute(namespace + "probe", value: Array("y".utf8))
                    return namespace
                } catch where [EPERM, EACCES, ENOTSUP, EOPNOTSUPP].contains(error.errno) {
                    continue
                }
            }
            return nil
        } catch {
            throw MountError.path("work directory", workDirectory, error)
        }
    }
}
