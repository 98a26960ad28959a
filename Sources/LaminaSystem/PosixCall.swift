import CLaminaSystem

#if canImport(Glibc)
import Glibc
#endif

private typealias StatusBuffer = stat

private func followingStat(_ path: String, _ buffer: inout StatusBuffer) -> Int32 { stat(path, &buffer) }

/// POSIX calls made the way an ordinary program makes them: by path, and on raw descriptors the
/// caller owns.
///
/// Tools that act on a mounted file system from the outside (the benchmark, the stack generator)
/// use these, so that what they measure is what `find`, `cat` or `rm` would cost. The engine uses
/// descriptor-relative calls instead. Stateless: safe from any thread.
public enum PosixCall {
    public static func lstat(_ path: String) throws(SystemError) -> stat {
        var result = StatusBuffer()
        _ = try retryingOnInterrupt("lstat", path: path) { Glibc.lstat(path, &result) }
        return result
    }

    public static func stat(_ path: String) throws(SystemError) -> stat {
        var result = StatusBuffer()
        _ = try retryingOnInterrupt("stat", path: path) { followingStat(path, &result) }
        return result
    }

    public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        _ = try retryingOnInterrupt("mkdir", path: path) { Glibc.mkdir(path, mode) }
    }

    /// open(2) with a fixed mode argument (used when `flags` has O_CREAT). Always O_CLOEXEC.
    public static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(SystemError) -> Int32 {
        try retryingOnInterrupt("open", path: path) { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// Closes a descriptor the caller owns. Errors from close are not actionable here (the data
    /// that matters was fsync'ed by the caller when it mattered), so they are dropped.
    public static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    /// Writes every byte, looping over short writes.
    public static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String? = nil) throws(SystemError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                if Glibc.errno == EINTR { continue }
                throw SystemError.current("write", path: path)
            }
            written += count
        }
    }

    /// Reads to end of file through `scratch` (a reusable buffer); returns the bytes read.
    public static func readToEnd(_ descriptor: Int32, scratch: inout [UInt8], path: String? = nil) throws(SystemError) -> Int {
        var total = 0
        while true {
            let count = scratch.withUnsafeMutableBytes { buffer in Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
            if count < 0 {
                if Glibc.errno == EINTR { continue }
                throw SystemError.current("read", path: path)
            }
            if count == 0 { return total }
            total += count
        }
    }

    public static func synchronize(_ descriptor: Int32, path: String? = nil) throws(SystemError) {
        _ = try retryingOnInterrupt("fsync", path: path) { Glibc.fsync(descriptor) }
    }

    public static func unlink(_ path: String) throws(SystemError) {
        _ = try retryingOnInterrupt("unlink", path: path) { Glibc.unlink(path) }
    }

    public static func removeDirectory(_ path: String) throws(SystemError) {
        _ = try retryingOnInterrupt("rmdir", path: path) { Glibc.rmdir(path) }
    }

    public static func rename(_ source: String, to destination: String) throws(SystemError) {
        _ = try retryingOnInterrupt("rename", path: source) { Glibc.rename(source, destination) }
    }

    public static func symbolicLink(target: String, at path: String) throws(SystemError) {
        _ = try retryingOnInterrupt("symlink", path: path) { Glibc.symlink(target, path) }
    }

    public static func makeNode(_ path: String, mode: mode_t, device: dev_t) throws(SystemError) {
        _ = try retryingOnInterrupt("mknod", path: path) { Glibc.mknod(path, mode, device) }
    }

    public static func setExtendedAttribute(_ path: String, name: String, value: [UInt8]) throws(SystemError) {
        _ = try retryingOnInterrupt("lsetxattr", path: path) {
            value.withUnsafeBytes { clamina_lsetxattr(path, name, $0.baseAddress, $0.count, 0) }
        }
    }

    /// sync(2): flushes every file system's dirty data.
    public static func synchronizeAll() {
        Glibc.sync()
    }
}
