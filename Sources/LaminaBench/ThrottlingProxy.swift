import Foundation
import LaminaSystem
import Synchronization

/// A forwarding TCP proxy on 127.0.0.1 that passes a registry's answers to its clients at no more
/// than `bytesPerSecond` (all connections together, as one slow link would), and counts the bytes
/// it passed: the network a lazy-pull benchmark runs over.
///
/// Each connection has two pump threads (client -> upstream unthrottled, upstream -> client through
/// the shared budget). Thread safety: the budget and counters are behind a mutex; `stop` shuts the
/// listener so the accept thread ends.
public final class ThrottlingProxy: Sendable {
    public let port: UInt16
    let upstreamPort: UInt16
    let bytesPerSecond: Double
    private let listener: StreamSocket
    private struct State {
        var downloaded: UInt64 = 0
        var uploaded: UInt64 = 0
        /// When the budget allows the next byte to leave.
        var nextFree = ContinuousClock.now
        var stopped = false
    }
    private let state = Mutex(State())

    public init(upstreamPort: UInt16, bytesPerSecond: Double) throws(SystemError) {
        self.upstreamPort = upstreamPort
        self.bytesPerSecond = bytesPerSecond
        listener = try StreamSocket.listen()
        port = listener.port
        let accepting = Thread { [self] in acceptLoop() }
        accepting.name = "lamina-proxy-accept"
        accepting.start()
    }

    /// Bytes passed to clients (downloaded) and to the upstream since the last `resetCounters`.
    public var counters: (downloaded: UInt64, uploaded: UInt64) { state.withLock { ($0.downloaded, $0.uploaded) } }

    public func resetCounters() {
        state.withLock {
            $0.downloaded = 0
            $0.uploaded = 0
        }
    }

    public func stop() {
        state.withLock { $0.stopped = true }
        listener.shutdownBoth()
        listener.close()
    }

    private func acceptLoop() {
        while !state.withLock({ $0.stopped }) {
            guard let client = try? listener.accept() else { return }
            guard let upstream = try? StreamSocket.connect(port: upstreamPort) else {
                client.close()
                continue
            }
            let done = Mutex(0)
            for (from, to, throttled) in [(client, upstream, false), (upstream, client, true)] {
                let pump = Thread { [self] in
                    self.pump(from: from, to: to, throttled: throttled)
                    // The second pump to finish closes both ends.
                    let finished = done.withLock { count -> Int in
                        count += 1
                        return count
                    }
                    if finished == 2 {
                        client.close()
                        upstream.close()
                    }
                }
                pump.start()
            }
        }
    }

    private func pump(from: StreamSocket, to: StreamSocket, throttled: Bool) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 10, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            guard let count = try? from.receive(into: buffer), count > 0 else { break }
            if throttled { waitForBudget(count) }
            guard (try? to.send(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))) != nil else { break }
            state.withLock {
                if throttled { $0.downloaded += UInt64(count) } else { $0.uploaded += UInt64(count) }
            }
        }
        to.shutdownSending()
        from.shutdownBoth()
    }

    /// Takes `count` bytes of the shared budget, sleeping until the link would have carried them.
    private func waitForBudget(_ count: Int) {
        let cost = Duration.seconds(Double(count) / bytesPerSecond)
        let departure = state.withLock { state -> ContinuousClock.Instant in
            let now = ContinuousClock.now
            let start = max(state.nextFree, now)
            state.nextFree = start + cost
            return start + cost
        }
        let wait = departure - ContinuousClock.now
        if wait > .zero { Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18) }
    }
}
