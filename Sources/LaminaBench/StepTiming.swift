/// One timed step of one repetition: how long it took, how many operations it did, and anything
/// worth saying about how it went (e.g. "rename(2) answered EXDEV; mv copied").
struct StepTiming: Sendable {
    var seconds: Double
    var operations: Int
    var note: String?

    /// Times `body`, which returns the number of operations it did.
    static func measure(note: String? = nil, _ body: () throws -> Int) rethrows -> StepTiming {
        let clock = ContinuousClock()
        var operations = 0
        let elapsed = try clock.measure { operations = try body() }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return StepTiming(seconds: seconds, operations: operations, note: note)
    }
}
