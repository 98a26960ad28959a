import Foundation
import Glibc
import LaminaSystem

/// One seeded run of the differential fuzz test (see `DifferentialFuzzTests`): the same steps on
/// kernel overlayfs and on each implementation under test, compared after every step, the merged
/// views compared every `viewInterval` steps, after remounting every `remountInterval` steps, and at
/// the end, then the upper and lower layers.
struct FuzzRun {
    let seed: UInt64
    let steps: Int
    let implementations: [ImplementationUnderTest]
    var viewInterval = 100
    /// Operations to play instead of generating them (to replay or minimise a failing run).
    var script: [FuzzOperation]? = nil
    /// Every mount is unmounted and mounted again after this many steps, and the views compared.
    var remountInterval = 500

    /// A played step: what it did and what the kernel answered.
    struct Step: CustomStringConvertible {
        var number: Int
        var operation: FuzzOperation
        var outcome: FuzzOutcome
        var description: String { "#\(number) \(operation) => \(outcome)" }
    }

    struct Result {
        var seed: UInt64
        var played: [Step] = []
        var differences: [String] = []
        var daemonOutput: [String] = []

        /// The seed, the differences, and the steps played (the last 300 when there were more; all
        /// of them in the file named).
        var explanation: String {
            var lines = ["fuzz seed \(seed) (replay: LAMINA_FUZZ_SEED=\(seed) LAMINA_FUZZ_STEPS=\(played.count)):"]
            lines += differences.prefix(60).map { "  - \($0)" }
            if differences.count > 60 { lines.append("  ... and \(differences.count - 60) more") }
            let shown = played.suffix(300)
            if shown.count < played.count {
                let file = "/tmp/lamina-fuzz-seed-\(seed).steps"
                try? played.map(\.description).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
                lines.append("steps (last \(shown.count) of \(played.count); all in \(file)):")
            } else {
                lines.append("steps:")
            }
            lines += shown.map { "  \($0)" }
            lines += daemonOutput.filter { !$0.isEmpty }.map { "daemon stderr:\n\($0)" }
            // A NUL in a message cuts the test runner's output short.
            return lines.joined(separator: "\n").replacingOccurrences(of: "\0", with: "\\0")
        }
    }

    func run() throws -> Result {
        let steps = script?.count ?? steps
        let stacks = try MountedStacks("fuzz-\(seed)", layers: FuzzFixture.layers, implementations: implementations)
        var result = Result(seed: seed)
        var generator = FuzzGenerator(seed: seed)
        let comparison = TreeComparison(
            referenceName: "kernel", candidateName: "candidate", policy: .visible(threshold: stacks.threshold))
        var number = 0
        while number < max(steps, 1) && result.differences.isEmpty {
            // Between remounts: each segment is guarded by the daemons that serve it.
            stacks.guarded {
                repeat {
                    number += 1
                    let operation = script.map { $0[number - 1] }
                        ?? generator.next(tree: FuzzGenerator.entries(under: stacks.kernel.root))
                    let expected = operation.play(in: stacks.kernel.root)
                    result.played.append(Step(number: number, operation: operation, outcome: expected))
                    for candidate in stacks.candidates {
                        let actual = operation.play(in: candidate.root)
                        if actual != expected {
                            result.differences.append("step #\(number) \(operation): kernel \(expected), \(candidate.name) \(actual)")
                        }
                    }
                    if result.differences.isEmpty && (number % viewInterval == 0 || number == steps) {
                        result.differences += compareViews(stacks, comparison, after: "step #\(number)")
                    }
                } while result.differences.isEmpty && number < steps && number % remountInterval != 0
            }
            if result.differences.isEmpty && number < steps {
                result.differences += try stacks.remount()
                result.differences += stacks.guarded { compareViews(stacks, comparison, after: "remounting after step #\(number)") }
            }
        }
        let (problems, uppers) = stacks.finish()
        result.differences += problems
        result.daemonOutput = stacks.candidates.map { $0.mount.daemonOutput }
        guard result.differences.isEmpty else { return result }
        let lowers = stacks.lowerSnapshots()
        let views = try stacks.upperViews()
        for candidate in stacks.candidates {
            if let expected = uppers[stacks.kernel.name], let actual = uppers[candidate.name] {
                result.differences += comparison.differences(
                    UpperNormalisation.droppingMarkersWithoutMeaning(expected, lowers: lowers),
                    UpperNormalisation.droppingMarkersWithoutMeaning(actual, lowers: lowers)
                ).map { "upper layer of \(candidate.name): \($0)" }
            }
            if let expected = views[stacks.kernel.name], let actual = views[candidate.name] {
                result.differences += comparison.differences(expected, actual).map {
                    "upper layer of \(candidate.name) read by the kernel: \($0)"
                }
            }
        }
        return result
    }

    private func compareViews(_ stacks: MountedStacks, _ comparison: TreeComparison, after moment: String) -> [String] {
        let expected = TreeSnapshot.capture(stacks.kernel.side.layout.mountpoint)
        return stacks.candidates.flatMap { candidate in
            let actual = TreeSnapshot.capture(candidate.side.layout.mountpoint)
            return comparison.differences(expected, actual).map { "merged view after \(moment), \(candidate.name): \($0)" }
        }
    }
}
