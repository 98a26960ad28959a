/// SplitMix64: a tiny deterministic generator, so one seed replays one test run exactly (the fuzz
/// and chaos tests, the engine's name-table tests).
///
/// Not thread-safe: one owner (each chaos worker has its own).
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// An element chosen by `weight`; the first one when every weight is 0.
    public mutating func weighted<T>(_ choices: [(T, Int)]) -> T {
        let total = choices.reduce(0) { $0 + $1.1 }
        var pick = total > 0 ? Int.random(in: 0..<total, using: &self) : 0
        for (value, weight) in choices {
            if pick < weight { return value }
            pick -= weight
        }
        return choices[0].0
    }

    public mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
}
