/// Shrinks a failing fuzz run's steps to a short list that still fails the same way (delta
/// debugging: drop chunks of steps, halving the chunk size, while the failure stays), so a
/// difference found after 1500 steps can become a regression test.
struct FuzzMinimiser {
    let implementations: [ImplementationUnderTest]
    /// Whether a run's differences are the failure being minimised.
    let reproduces: @Sendable ([String]) -> Bool

    func minimise(_ operations: [FuzzOperation]) throws -> [FuzzOperation] {
        var current = operations
        var chunk = max(current.count / 2, 1)
        while chunk >= 1 {
            var start = 0
            var removedAny = false
            while start < current.count {
                var candidate = current
                candidate.removeSubrange(start..<min(start + chunk, current.count))
                if !candidate.isEmpty, try fails(candidate) {
                    current = candidate
                    removedAny = true
                } else {
                    start += chunk
                }
            }
            if chunk == 1 && !removedAny { break }
            chunk = removedAny ? chunk : chunk / 2
            if chunk == 0 { break }
        }
        return current
    }

    private func fails(_ operations: [FuzzOperation]) throws -> Bool {
        var run = FuzzRun(seed: 0, steps: operations.count, implementations: implementations)
        run.script = operations
        return reproduces(try run.run().differences)
    }
}
