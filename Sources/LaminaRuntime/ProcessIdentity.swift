import LaminaSystem

/// One process named for good: its pid and its start time, so a recycled pid is never taken for
/// the process that exited (the monitor of a container, a mount daemon).
///
/// Immutable value, stored in the container's record.
public struct ProcessIdentity: Codable, Sendable, Equatable {
    public var pid: Int32
    public var startTime: UInt64

    public init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    /// The identity of a live process, nil when it is gone.
    public static func of(_ pid: Int32) -> ProcessIdentity? {
        ProcessCalls.startTime(of: pid).map { ProcessIdentity(pid: pid, startTime: $0) }
    }

    /// This process.
    public static var current: ProcessIdentity? { of(ProcessCalls.currentProcess) }

    /// True while the very process this names runs.
    public var isAlive: Bool { ProcessCalls.startTime(of: pid) == startTime }

    /// Sends `signal` if the process is still the one this names.
    public func signal(_ signal: Int32) {
        guard isAlive else { return }
        _ = try? ProcessCalls.signal(pid, signal)
    }
}
