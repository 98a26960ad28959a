#if canImport(Glibc)
import Glibc
#endif

/// What a running process has used so far: its peak resident memory and its CPU time, read from
/// /proc/PID/status (VmHWM) and /proc/PID/stat (utime + stime). Used to report what a FUSE daemon
/// costs. A value type: safe from any thread.
public struct ProcessUsage: Sendable, Equatable {
    /// Peak resident set size (VmHWM), in KiB.
    public var peakResidentKiB: Int
    /// User plus system CPU time, in seconds.
    public var cpuSeconds: Double

    public init(peakResidentKiB: Int, cpuSeconds: Double) {
        self.peakResidentKiB = peakResidentKiB
        self.cpuSeconds = cpuSeconds
    }

    /// Reads the usage of process `pid`; throws ENOENT once the process is gone.
    public static func read(pid: Int32) throws(SystemError) -> ProcessUsage {
        let status = String(decoding: try MountCalls.readFile("/proc/\(pid)/status"), as: UTF8.self)
        var peak = 0
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            peak = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        let stat = String(decoding: try MountCalls.readFile("/proc/\(pid)/stat"), as: UTF8.self)
        // Fields after the command name, which is in parentheses and may hold spaces:
        // field 3 (state) is index 0, utime (field 14) is index 11, stime (field 15) is index 12.
        guard let close = stat.lastIndex(of: ")") else {
            throw SystemError("parse", errno: EINVAL, path: "/proc/\(pid)/stat")
        }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw SystemError("parse", errno: EINVAL, path: "/proc/\(pid)/stat")
        }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ProcessUsage(peakResidentKiB: peak, cpuSeconds: (user + system) / ticks)
    }
}
