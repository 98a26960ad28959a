#if canImport(Glibc)
import Glibc
#endif

/// The process's descriptor limit (RLIMIT_NOFILE): read it, and raise the soft limit to the hard
/// one, as a daemon that holds a descriptor per directory in use should at start.
public enum ResourceLimits {
    /// The soft limit on open descriptors now (1024 when it cannot be read).
    public static func openFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return Int(clamping: limit.rlim_cur)
    }

    /// Raises the soft limit on open descriptors to the hard limit; returns the soft limit after.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return openFileLimit()
    }

    /// Grows this process's descriptor table to hold `count` descriptors (at most the soft limit)
    /// now, so that it does not grow later. The kernel doubles the table as descriptors are opened,
    /// and in a process whose threads share it every growth waits for an RCU grace period: 5-9 ms
    /// each on this machine, three of them (past 256, 512, 1024) in a daemon's first cold lookups
    /// at 10 layers, which made them 1.3x slower than with paths. Best called before threads start.
    /// Fails silently: the table then grows as before.
    public static func reserveDescriptorTable(_ count: Int) {
        let highest = Int32(clamping: min(count, openFileLimit()) - 1)
        guard highest > 64 else { return }
        guard let anchor = try? FileDescriptor.open("/", flags: OpenFlags.path) else { return }
        defer { anchor.close() }
        let placed = fcntl(anchor.rawValue, F_DUPFD_CLOEXEC, highest)
        if placed >= 0 { FileDescriptor(rawValue: placed).close() }
    }
}
