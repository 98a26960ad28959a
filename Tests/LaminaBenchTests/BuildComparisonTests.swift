import Testing

@testable import LaminaBench

/// `--lamina-before`: an earlier lamina-overlayfs measured in the same run gives Lamina's figures a
/// ratio to it, and the table a ÷before column; without it, neither appears.
struct BuildComparisonTests {
    private func figure(_ implementation: Implementation, _ milliseconds: Double) -> BenchmarkReport.Figure {
        BenchmarkReport.Figure(
            name: "walk-cold", workload: .walk, implementation: implementation, layers: 1,
            timings: [StepTiming(seconds: milliseconds / 1000, operations: 10)])
    }

    private func report(_ figures: [BenchmarkReport.Figure]) -> BenchmarkReport {
        var report = BenchmarkReport(
            machine: [:],
            settings: .init(layers: [1], filesPerLayer: 1, bigDirectoryEntries: 1, bigFileBytes: 1, seed: 1,
                            repetitions: 1, statCount: 1, createCount: 1, unlinkCount: 1, quick: true),
            programs: [:])
        report.figures = figures
        report.computeRatios()
        return report
    }

    @Test func laminaIsComparedWithTheEarlierBuild() throws {
        let report = report([figure(.kernel, 10), figure(.lamina, 30), figure(.laminaBefore, 40)])
        let lamina = try #require(report.figure("walk-cold", .lamina, layers: 1))
        #expect(lamina.ratioToBefore == 0.75)
        #expect(lamina.ratioToKernel == 3)
        #expect(report.figure("walk-cold", .laminaBefore, layers: 1)?.ratioToBefore == nil)
        #expect(report.table().contains("÷before"))
        #expect(report.table().contains("| 0.75× |"))
    }

    @Test func withoutAnEarlierBuildThereIsNoColumn() {
        let report = report([figure(.kernel, 10), figure(.lamina, 30)])
        #expect(report.figure("walk-cold", .lamina, layers: 1)?.ratioToBefore == nil)
        #expect(!report.table().contains("÷before"))
    }

    @Test func theEarlierBuildRunsOnlyWhenGiven() {
        #expect(!BenchmarkConfiguration.standard(programs: BenchmarkConfiguration.defaultPrograms()).implementations.contains(.laminaBefore))
        let programs = BenchmarkConfiguration.defaultPrograms(laminaBefore: "/old/lamina-overlayfs")
        #expect(BenchmarkConfiguration.standard(programs: programs).implementations.contains(.laminaBefore))
    }
}
