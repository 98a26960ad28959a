import CLaminaSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A program this process started (posix_spawn) and waits for by its own pid, with a bound.
///
/// The one way Lamina runs another program and waits for it. It never waits for "any child"
/// (`waitpid(-1)`), installs no SIGCHLD handler and needs no run loop, so it works from any thread
/// (Swift concurrency's included) beside other code that runs children; Foundation's `Process`
/// does not (its `waitUntilExit` spins or hangs when its child is reaped elsewhere or when it is
/// called off the main thread). The child starts with an empty signal mask, default signal
/// dispositions and only the descriptors it is handed.
///
/// Thread-safe: the exit status, once reaped, is kept under a `Mutex`, so a pid is never
/// signalled after it was reaped (when the kernel may have given it to another process).
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let reaped = Mutex<Int32?>(nil)

    /// Starts `executable` (a path; argv[0] is `executable`) with `arguments`, standard input,
    /// output and error from `streams`, plus `extra` (source, target) descriptor pairs.
    /// `environment` nil: ours. `directory` nil: our working directory.
    public init(
        _ executable: String, _ arguments: [String], environment: [String]? = nil, directory: String? = nil,
        streams: (Int32, Int32, Int32), extra: [(source: Int32, target: Int32)] = []
    ) throws(SystemError) {
        pid = try MountCalls.spawn(
            executable, arguments: [executable] + arguments, environment: environment,
            descriptors: [(streams.0, 0), (streams.1, 1), (streams.2, 2)] + extra, directory: directory)
    }

    /// A child this process started some other way (`UserNamespace.spawn`).
    init(adopting pid: pid_t) {
        self.pid = pid
    }

    /// The wait status if the child has ended (reaping it), nil while it runs.
    public func poll() -> Int32? {
        reaped.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid {
                status = raw
            } else if result < 0 && errno == ECHILD {
                status = 255 << 8  // reaped by someone else: its status is lost
            }
            return status
        }
    }

    /// Waits for the child to end; nil when it still ran after `timeout` (nil: no bound).
    /// Sleeps in poll(2) on a pidfd, which wakes the moment the child ends (no thread blocked in
    /// waitpid, so the wait stays bounded, and no polling interval added to what is measured);
    /// where pidfds are missing (Linux before 5.3) it polls waitpid with growing pauses.
    @discardableResult
    public func wait(timeout: Duration? = nil) -> Int32? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let exitNotice = openExitNotice()
        defer { if exitNotice >= 0 { Glibc.close(exitNotice) } }
        var pause: UInt32 = 200
        while true {
            if let status = poll() { return status }
            let remaining = deadline.map { $0 - ContinuousClock.now }
            if let remaining, remaining <= .zero { return nil }
            if exitNotice >= 0 {
                var entry = pollfd(fd: exitNotice, events: Int16(POLLIN), revents: 0)
                _ = Glibc.poll(&entry, 1, remaining.map(Self.milliseconds) ?? -1)  // EINTR or timeout: look again
            } else {
                usleep(pause)
                pause = min(pause * 2, 20_000)
            }
        }
    }

    /// A pidfd of the child, or -1 (already reaped, or no pidfd support). Opened under the reaping
    /// lock, so the pid cannot have been reaped and given to another process meanwhile.
    private func openExitNotice() -> Int32 {
        reaped.withLock { status in
            status == nil ? clamina_pidfd_open(pid) : -1  // pidfds are always close-on-exec
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
    }

    /// The exit code a shell would report (128 + signal when killed), once ended; nil while it runs.
    public var exitCode: Int32? { poll().map(ProcessCalls.exitCode(fromWaitStatus:)) }

    /// kill(2) of the child, unless it was already reaped.
    public func signal(_ signal: Int32) {
        reaped.withLock { status in
            if status == nil { _ = Glibc.kill(pid, signal) }
        }
    }

    /// Ends the child: SIGTERM, up to `grace` for it to leave, then SIGKILL, and reaps it (waiting
    /// at most 30 s more: a process stuck in the kernel can outlive SIGKILL for a while).
    /// Returns the wait status (that of a SIGKILL when it was still there).
    @discardableResult
    public func stop(grace: Duration = .seconds(5)) -> Int32 {
        if let status = poll() { return status }
        signal(SIGTERM)
        if let status = wait(timeout: grace) { return status }
        signal(SIGKILL)
        return wait(timeout: .seconds(30)) ?? SIGKILL
    }
}
