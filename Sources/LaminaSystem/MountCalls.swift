import CLaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// The system calls that setting up, running and tearing down a mount makes: path checks before a
/// mount, the lock on the work directory, and the pipe and process the background daemon is
/// started with.
///
/// Stateless namespace; safe from any thread.
public enum MountCalls {
    /// realpath(3): the absolute path with every symbolic link and `.`/`..` resolved.
    public static func canonicalPath(_ path: String) throws(SystemError) -> String {
        guard let resolved = realpath(path, nil) else { throw SystemError.current("realpath", path: path) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// stat(2), following symbolic links; nil when the path does not exist.
    public static func status(_ path: String) throws(SystemError) -> stat? {
        var info = stat()
        do {
            _ = try retryingOnInterrupt("stat", path: path) { stat(path, &info) }
        } catch where error.errno == ENOENT {
            return nil
        }
        return info
    }

    /// The names in a directory, without "." and "..".
    public static func directoryNames(_ path: String) throws(SystemError) -> [String] {
        guard let directory = opendir(path) else { throw SystemError.current("opendir", path: path) }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw SystemError.current("readdir", path: path) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    /// The whole contents of a (small) file such as /proc/self/mountinfo.
    public static func readFile(_ path: String) throws(SystemError) -> [UInt8] {
        let descriptor = try retryingOnInterrupt("open", path: path) {
            clamina_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0)
        }
        defer { close(descriptor) }
        return try readToEnd(descriptor, path: path)
    }

    /// read(2) until end of file.
    public static func readToEnd(_ descriptor: Int32, path: String? = nil) throws(SystemError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try retryingOnInterrupt("read", path: path) {
                chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// write(2) until every byte is written.
    public static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String? = nil) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let written = try retryingOnInterrupt("write", path: path) {
                bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + done, $0.count - done) }
            }
            done += written
        }
    }

    /// open(2) of a directory, close-on-exec.
    public static func openDirectory(_ path: String) throws(SystemError) -> Int32 {
        try retryingOnInterrupt("open", path: path) {
            clamina_openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
        }
    }

    /// open(2) of a file for writing (created if missing, appended to), close-on-exec.
    public static func openForAppending(_ path: String) throws(SystemError) -> Int32 {
        try retryingOnInterrupt("open", path: path) {
            clamina_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        }
    }

    /// open(2) for reading and writing (such as /dev/null for a daemon's standard streams), close-on-exec.
    public static func openReadWrite(_ path: String) throws(SystemError) -> Int32 {
        try retryingOnInterrupt("open", path: path) { clamina_openat(AT_FDCWD, path, O_RDWR | O_CLOEXEC, 0) }
    }

    /// close(2). EINTR is not retried: Linux has closed the descriptor already.
    public static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    /// flock(2) with `LOCK_EX | LOCK_NB`. Returns false when another open file description holds it.
    public static func lockExclusively(_ descriptor: Int32, path: String) throws(SystemError) -> Bool {
        do {
            _ = try retryingOnInterrupt("flock", path: path) { flock(descriptor, LOCK_EX | LOCK_NB) }
        } catch where error.errno == EWOULDBLOCK {
            return false
        }
        return true
    }

    /// pipe(2) with both ends close-on-exec.
    public static func makePipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        _ = try retryingOnInterrupt("pipe") { pipe(&ends) }
        for end in ends { _ = clamina_fcntl_int(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// Marks every open descriptor from `lowest` up close-on-exec, so a daemon started next inherits
    /// only what it is handed explicitly (a caller's pipe left open in a daemon would keep the
    /// caller waiting for end of file forever).
    public static func closeOnExec(from lowest: Int32) throws(SystemError) {
        for name in try directoryNames("/proc/self/fd") {
            guard let descriptor = Int32(name), descriptor >= lowest else { continue }
            _ = clamina_fcntl_int(descriptor, F_SETFD, FD_CLOEXEC)
        }
    }

    /// posix_spawn(3) of `executable` with `arguments` (argv[0] included) and `environment`. The
    /// child's descriptor `target` is a copy of the parent's `source` for each pair in `descriptors`;
    /// every other descriptor is closed in the child, its signal mask is empty and its signal
    /// dispositions are the defaults (whatever thread of ours spawns it). `environment` nil: ours.
    /// `directory`: its working directory (nil: ours).
    public static func spawn(
        _ executable: String, arguments: [String], environment: [String]?, descriptors: [(source: Int32, target: Int32)],
        directory: String? = nil
    ) throws(SystemError) -> pid_t {
        var pid: pid_t = 0
        let sources = descriptors.map(\.source), targets = descriptors.map(\.target)
        let code = withCStrings(arguments) { argv in
            guard let environment else {
                return clamina_spawn(&pid, executable, argv, environ, sources, targets, Int32(descriptors.count), directory)
            }
            return withCStrings(environment) { envp in
                clamina_spawn(&pid, executable, argv, envp, sources, targets, Int32(descriptors.count), directory)
            }
        }
        if code != 0 { throw SystemError("posix_spawn", errno: code, path: executable) }
        return pid
    }

    /// waitpid(2) without blocking: the exit status if the child has exited, nil if it still runs.
    public static func exitStatus(of pid: pid_t, blocking: Bool) throws(SystemError) -> Int32? {
        var status: Int32 = 0
        let result = try retryingOnInterrupt("waitpid") { waitpid(pid, &status, blocking ? 0 : WNOHANG) }
        return result == 0 ? nil : status
    }

    /// setsid(2): the daemon leaves the caller's session and process group (no terminal signals).
    public static func startSession() throws(SystemError) {
        _ = try retryingOnInterrupt("setsid") { setsid() }
    }

    /// chdir(2).
    public static func changeDirectory(_ path: String) throws(SystemError) {
        _ = try retryingOnInterrupt("chdir", path: path) { chdir(path) }
    }

    /// dup2(2).
    public static func duplicate(_ source: Int32, onto target: Int32) throws(SystemError) {
        _ = try retryingOnInterrupt("dup2") { dup2(source, target) }
    }

    /// umount2(2).
    public static func unmount(_ path: String, lazily: Bool = false) throws(SystemError) {
        _ = try retryingOnInterrupt("umount", path: path) { umount2(path, lazily ? Int32(MNT_DETACH) : 0) }
    }

    /// access(2) for read and write.
    public static func isReadableAndWritable(_ path: String) -> Bool {
        access(path, R_OK | W_OK) == 0
    }

    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
