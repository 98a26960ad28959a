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
    /// Implementations mounted once more on layer indexes of their lower layers (`lowerindex=`).
    var indexed: [ImplementationUnderTest] = []
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
        let stacks = try MountedStacks("fuzz-\(seed)", layers: FuzzFixture.layers, implementations: implementations, indexed: indexed)
        var result = Result(seed: seed)
        var generator = FuzzGenerator(seed: seed)
        let comparison = TreeComparison(
            referenceName: "kernel", candidateName: "candidate", policy: .visible(threshold: stacks.threshold))
        let lowers = stacks.lowerSnapshots()
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
                        if actual != expected && !onlyUnchangedCopiesDiffer(expected, actual, stacks, candidate, lowers) {
                            result.differences.append("step #\(number) \(operation): kernel \(expected), \(candidate.name) \(actual)")
                        }
                    }
                    if result.differences.isEmpty && (number % viewInterval == 0 || number == steps) {
                        result.differences += compareViews(stacks, comparison, lowers, after: "step #\(number)")
                    }
                } while result.differences.isEmpty && number < steps && number % remountInterval != 0
            }
            if result.differences.isEmpty && number < steps {
                result.differences += try stacks.remount()
                result.differences += stacks.guarded { compareViews(stacks, comparison, lowers, after: "remounting after step #\(number)") }
            }
        }
        let (problems, uppers) = stacks.finish()
        result.differences += problems
        result.daemonOutput = stacks.candidates.map { $0.mount.daemonOutput }
        guard result.differences.isEmpty else { return result }
        guard let expected = uppers[stacks.kernel.name] else { return result }
        let views = try stacks.upperViews()
        func normalised(_ upper: TreeSnapshot, _ copies: UnchangedCopies) -> TreeSnapshot {
            copies.droppingCopies(from: UpperNormalisation.droppingMarkersWithoutMeaning(upper, lowers: lowers), lowers: lowers)
        }
        let kernelCopies = UnchangedCopies(in: expected, lowers: lowers)
        let expectedUpper = normalised(expected, kernelCopies)
        for candidate in stacks.candidates {
            guard let actual = uppers[candidate.name] else { continue }
            result.differences += comparison.differences(expectedUpper, normalised(actual, UnchangedCopies(in: actual, lowers: lowers)))
                .map { "upper layer of \(candidate.name): \($0)" }
            if let expectedView = views[stacks.kernel.name], let actualView = views[candidate.name] {
                let candidateView = kernelCopies.candidateView(actualView, reference: expectedView, candidateUpper: actual)
                result.differences += comparison.differences(expectedView, candidateView).map {
                    "upper layer of \(candidate.name) read by the kernel: \($0)"
                }
            }
        }
        return result
    }

    /// The unchanged copies in the kernel's upper layer as it is now (`UnchangedCopies`), or nil when
    /// it has none.
    private func kernelCopies(_ stacks: MountedStacks, _ lowers: [TreeSnapshot]) -> UnchangedCopies? {
        guard let upper = stacks.kernel.side.layout.upper else { return nil }
        let copies = UnchangedCopies(in: UpperNormalisation.apply(TreeSnapshot.capture(upper)), lowers: lowers)
        return copies.paths.isEmpty ? nil : copies
    }

    /// Whether a step's two outcomes differ only in the link counts they report, where the kernel's
    /// upper layer holds a copy it made at an open for writing and the candidate has not made yet
    /// (`UnchangedCopies`: such a copy leaves a lower hard link's group).
    private func onlyUnchangedCopiesDiffer(
        _ expected: FuzzOutcome, _ actual: FuzzOutcome, _ stacks: MountedStacks, _ candidate: MountedStacks.Member,
        _ lowers: [TreeSnapshot]
    ) -> Bool {
        guard expected.ignoringLinkCounts == actual.ignoringLinkCounts, let upper = candidate.side.layout.upper,
              let copies = kernelCopies(stacks, lowers)
        else { return false }
        let candidateUpper = TreeSnapshot.capture(upper)
        return copies.paths.contains { candidateUpper.entries[$0] == nil }
    }

    /// The merged views, each candidate's read as `UnchangedCopies` says where the kernel has copied
    /// a file up at an open for writing that the candidate has not copied yet.
    private func compareViews(
        _ stacks: MountedStacks, _ comparison: TreeComparison, _ lowers: [TreeSnapshot], after moment: String
    ) -> [String] {
        let expected = TreeSnapshot.capture(stacks.kernel.side.layout.mountpoint)
        let copies = kernelCopies(stacks, lowers)
        return stacks.candidates.flatMap { candidate in
            var actual = TreeSnapshot.capture(candidate.side.layout.mountpoint)
            if let copies, let upper = candidate.side.layout.upper {
                actual = copies.candidateView(actual, reference: expected, candidateUpper: TreeSnapshot.capture(upper))
            }
            return comparison.differences(expected, actual).map { "merged view after \(moment), \(candidate.name): \($0)" }
        }
    }
}
