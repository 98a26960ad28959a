import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process every relayed signal goes to; 0 while nothing is relayed. An atomic is
/// async-signal-safe to read, which is all the handler does besides kill(2).
private let relayTarget = Atomic<Int32>(0)

private func relay(_ signal: Int32) {
    let target = relayTarget.load(ordering: .acquiring)
    if target > 0 { _ = kill(target, signal) }
}

/// Relays signals this process receives to a child (`lamina run` passing SIGTERM, SIGINT, ... to
/// runc, which passes them to the container's process).
///
/// A real signal handler, not a dispatch source: it works whichever thread the kernel picks, and
/// does only async-signal-safe work (an atomic load and kill). One relay per process at a time.
public enum SignalRelay {
    /// The signals a foreground container gets from whoever signals `lamina`.
    public static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH]

    /// Starts relaying `signals` to `pid`.
    public static func start(_ signals: [Int32] = forwarded, to pid: pid_t) {
        relayTarget.store(pid, ordering: .releasing)
        for number in signals { _ = Glibc.signal(number, relay) }
    }

    /// Stops relaying: default dispositions come back.
    public static func stop(_ signals: [Int32] = forwarded) {
        for number in signals { _ = Glibc.signal(number, SIG_DFL) }
        relayTarget.store(0, ordering: .releasing)
    }
}
