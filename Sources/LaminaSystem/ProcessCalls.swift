#if canImport(Glibc)
import Glibc
#endif

/// The process calls the container runtime makes: signalling, identifying a process across pid
/// reuse, decoding wait statuses, and the signal dispositions of a process that forwards signals.
///
/// Stateless namespace; safe from any thread.
public enum ProcessCalls {
    /// kill(2). ESRCH (no such process) is reported as false, not thrown.
    @discardableResult
    public static func signal(_ pid: pid_t, _ signal: Int32) throws(SystemError) -> Bool {
        do {
            _ = try retryingOnInterrupt("kill", path: "pid \(pid)") { kill(pid, signal) }
        } catch where error.errno == ESRCH {
            return false
        }
        return true
    }

    /// The start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat), or nil when
    /// the process is gone (or is a zombie). A pid plus its start time names one process for good.
    public static func startTime(of pid: pid_t) -> UInt64? {
        guard pid > 0, let bytes = try? MountCalls.readFile("/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        // After the command name: field 3 (state) is index 0, starttime (field 22) is index 19.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }

    /// The argument vector of `pid` (/proc/PID/cmdline), or nil when it cannot be read.
    public static func arguments(of pid: pid_t) -> [String]? {
        guard let bytes = try? MountCalls.readFile("/proc/\(pid)/cmdline"), !bytes.isEmpty else { return nil }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The ids of every process (/proc/[0-9]*).
    public static func allProcesses() -> [pid_t] {
        ((try? MountCalls.directoryNames("/proc")) ?? []).compactMap { pid_t($0) }
    }

    /// This process's environment, as `NAME=value` strings.
    public static func currentEnvironment() -> [String] {
        var result: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            result.append(String(cString: entry))
            cursor += 1
        }
        return result
    }

    /// The exit code a shell would report for a wait status: the exit status, or 128 + the signal.
    public static func exitCode(fromWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }

    /// signal(2) with SIG_IGN: the process keeps running when `signal` arrives (a dispatch source
    /// can then observe it).
    public static func ignore(_ signal: Int32) {
        _ = Glibc.signal(signal, SIG_IGN)
    }

    /// signal(2) with SIG_DFL.
    public static func restoreDefault(_ signal: Int32) {
        _ = Glibc.signal(signal, SIG_DFL)
    }

    /// isatty(3).
    public static func isTerminal(_ descriptor: Int32) -> Bool {
        isatty(descriptor) == 1
    }

    /// getpid(2).
    public static var currentProcess: pid_t { getpid() }

    /// geteuid(2) == 0.
    public static var isRoot: Bool { geteuid() == 0 }
}
