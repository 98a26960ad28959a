import Foundation
import Synchronization

/// Reads a container is waiting for go before the background fetch: every lazy layer of a mount
/// shares one link to the registry, and a prefetch request running beside a demand read takes
/// half the link from it (a 40 MB file read while the prefetch ran took 1.5x its full pull). The
/// background fetch waits while any demand fetch of this process is in flight, and for a quiet
/// period after the last one ended (a reader's next request follows its last at once).
///
/// State: a mutex over the in-flight count and the last end; held for those fields only, never
/// across a fetch.
enum DemandGate {
    /// True on the background fetch's thread: its own reads (files the format marks as needed
    /// first) are not demand.
    @TaskLocal static var isBackground = false

    /// How long after the last demand fetch the background fetch stays paused.
    static let quietPeriod: Duration = .milliseconds(300)

    private static let state = Mutex<(inFlight: Int, lastEnd: ContinuousClock.Instant?)>((0, nil))

    /// Runs one fetch for a reader (counted), or for the background fetch (not counted).
    static func fetch<T>(_ body: () throws(LazyError) -> T) throws(LazyError) -> T {
        if isBackground { return try body() }
        state.withLock { $0.inFlight += 1 }
        defer { state.withLock { $0 = ($0.inFlight - 1, .now) } }
        return try body()
    }

    /// Blocks the background fetch until no demand fetch has run for `quietPeriod`.
    static func waitForQuiet() {
        while true {
            let remaining: Duration? = state.withLock { state in
                if state.inFlight > 0 { return quietPeriod }
                guard let end = state.lastEnd else { return nil }
                let since = end.duration(to: .now)
                return since < quietPeriod ? quietPeriod - since : nil
            }
            guard let remaining else { return }
            Thread.sleep(forTimeInterval: min(remaining, .milliseconds(50)) / .seconds(1))
        }
    }
}
