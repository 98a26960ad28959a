import Foundation

/// How hard a fetch tries before it gives up: attempts, the pause before each retry (doubling),
/// the timeout of one request, and how many requests one process sends at once.
///
/// The budget (every attempt timing out, plus the pauses) bounds how long a read can block.
/// Immutable value.
public struct RetryPolicy: Sendable, Equatable {
    public var attempts: Int
    public var firstDelay: TimeInterval
    public var requestTimeout: TimeInterval
    public var maximumConnections: Int

    public init(attempts: Int = 4, firstDelay: TimeInterval = 0.25, requestTimeout: TimeInterval = 15, maximumConnections: Int = 4) {
        self.attempts = max(1, attempts)
        self.firstDelay = firstDelay
        self.requestTimeout = requestTimeout
        self.maximumConnections = max(1, maximumConnections)
    }

    public static let standard = RetryPolicy()

    /// The pause before attempt `attempt` (0 for the first).
    func delay(before attempt: Int) -> TimeInterval {
        attempt == 0 ? 0 : firstDelay * pow(2, Double(attempt - 1))
    }

    /// The longest one fetch can take.
    public var budget: TimeInterval {
        (0..<attempts).reduce(0) { $0 + delay(before: $1) + requestTimeout }
    }
}
