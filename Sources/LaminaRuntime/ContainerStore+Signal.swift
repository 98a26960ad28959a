#if canImport(Glibc)
import Glibc
#endif

extension ContainerStore {
    /// `lamina stop`: SIGTERM, then SIGKILL after `timeout` seconds (nil: the container's
    /// `--stop-timeout`, else 10); returns once the exit is recorded. A container that is not
    /// running is left as it is.
    @discardableResult
    public func stop(_ text: String, timeout: Int? = nil) throws(RuntimeError) -> ContainerRecord {
        let record = try find(text)
        let timeout = max(0, timeout ?? record.stopTimeout ?? 10)
        guard status(of: record).state != .exited else { return record }
        let runc = try runc()
        try? runc.kill(record.id, signal: "TERM")
        if !waitUntilExited(record, seconds: timeout) {
            try? runc.kill(record.id, signal: "KILL")
            _ = waitUntilExited(record, seconds: 10)
        }
        waitForMonitor(record, seconds: 10, kill: false)
        return record
    }

    /// `lamina kill`: sends `signal` (KILL unless named) to the container's process.
    @discardableResult
    public func kill(_ text: String, signal: String = "KILL") throws(RuntimeError) -> ContainerRecord {
        let number = try SignalName.parse(signal)
        let record = try find(text)
        guard status(of: record).state == .running else { throw .notRunning(record.name) }
        try runc().kill(record.id, signal: String(number))
        return record
    }

    /// Waits up to `seconds` by the clock (each probe runs runc, so counting probes overshot a
    /// 10 s grace period by a third).
    private func waitUntilExited(_ record: ContainerRecord, seconds: Int) -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            if status(of: record).state == .exited { return true }
            if ContinuousClock.now >= deadline { return false }
            usleep(50_000)
        }
    }
}
