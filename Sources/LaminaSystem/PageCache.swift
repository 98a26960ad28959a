#if canImport(Glibc)
import Glibc
#endif

/// The kernel's page, dentry and inode caches, which a cold measurement must start without.
public enum PageCache {
    /// Writes dirty data back (sync), then drops clean page cache, dentries and inodes
    /// (`echo 3 > /proc/sys/vm/drop_caches`). Needs root.
    public static func dropAll() throws(SystemError) {
        PosixCall.synchronizeAll()
        let path = "/proc/sys/vm/drop_caches"
        let descriptor = try PosixCall.open(path, flags: O_WRONLY)
        defer { PosixCall.close(descriptor) }
        try PosixCall.writeAll(descriptor, Array("3\n".utf8), path: path)
    }
}
