import Foundation
import Glibc

/// Plays a `Scenario` on kernel overlayfs and on the implementation under test, each on its own
/// copy of the same layer stack, and lists every way they disagree: the script's output, the merged
/// views, the upper layers (normalised, see `UpperNormalisation`), the lower layers (which must not
/// change at all, see `LowerGuard`) and the mounts' own failures.
enum MountComparison {
    static func run(_ scenario: Scenario, on chosen: ImplementationUnderTest? = nil) throws -> ComparisonReport {
        let implementation = try chosen ?? ImplementationUnderTest.selected()
        let scratch = try ScratchDirectory(scenario.name)
        defer { scratch.remove() }
        let tools = try ScenarioTools(in: scratch)
        let built = try LayerStackFixture(layers: scenario.layers).build(in: scratch.directory("build"), tools: tools)

        var kernelSide = try ComparisonSide(name: "kernel", built: built, scratch: scratch, writable: scenario.writable)
        try kernelSide.convertForKernel()
        let candidateSide = try ComparisonSide(
            name: "candidate", built: built, scratch: scratch, writable: scenario.writable)

        let threshold = now(minusSeconds: 1)
        let reference = try kernelSide.play(scenario, as: .kernel(options: scenario.kernelOptions), tools: tools)
        let candidate = try candidateSide.play(scenario, as: .implementation(implementation, options: scenario.implementationOptions), tools: tools)

        var report = ComparisonReport(
            scenario: scenario.name, implementation: implementation.displayName, reference: reference,
            candidate: candidate, conversions: kernelSide.conversions)
        let comparison = TreeComparison(
            referenceName: "kernel", candidateName: implementation.displayName, policy: .visible(threshold: threshold))
        if reference.transcript != candidate.transcript {
            report.differences.append("the script's output differs (see the transcripts below)")
        }
        if let before = reference.initialView, let after = candidate.initialView {
            report.differences += comparison.differences(before, after).map { "merged view before the script: \($0)" }
        }
        report.differences += comparison.differences(reference.finalView, candidate.finalView).map {
            "merged view: \($0)"
        }
        if let expected = reference.upper, let actual = candidate.upper {
            report.differences += comparison.differences(expected, actual).map { "upper layer: \($0)" }
        }
        report.differences += reference.problems.map { "kernel overlayfs: \($0)" }
        report.differences += candidate.problems
        return report
    }

    private static func now(minusSeconds seconds: Int) -> Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Timestamp(seconds: time.tv_sec - seconds, nanoseconds: time.tv_nsec)
    }
}
