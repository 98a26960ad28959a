import Foundation
import LaminaSystem
import Testing

@testable import LaminaBench

/// `lamina bench --lamina-indexes`: the stack's layers get their indexes beside them in the cache
/// (built once), and `lamina` is mounted with them (`lowerindex=`) and measured like any mount; a
/// mount that refused the indexes would be reported as skipped. Never checks a timing.
@Suite(.serialized, .enabled(if: geteuid() == 0, "needs root: the benchmark mounts overlays and drops caches"))
struct IndexedRunTests {
    @Test func laminaIsMeasuredThroughLayerIndexes() throws {
        let programs = BenchmarkConfiguration.defaultPrograms()
        guard let program = programs[.lamina], access(program, X_OK) == 0 else {
            print("skipped: no lamina-overlayfs beside the test runner (swift build first)")
            return
        }
        var configuration = BenchmarkConfiguration.quick(programs: programs)
        configuration.cacheDirectory = "/tmp/lamina-bench-index-test-cache"  // apart from QuickRunTests, which may run at once
        configuration.layers = [10]
        configuration.repetitions = 1
        configuration.implementations = [.kernel, .lamina]
        configuration.workloads = [.statMissing, .walk]
        configuration.laminaIndexes = true
        let report = try Benchmark(configuration: configuration) { print($0) }.run()

        #expect(report.skipped.filter { $0.implementation == .lamina }.isEmpty, "\(report.skipped)")
        for name in ["stat-missing", "walk-cold"] {
            let figure = try #require(report.figure(name, .lamina, layers: 10), "\(name)")
            #expect(figure.samplesMilliseconds.allSatisfy { $0 > 0 })
        }
        let stack = try StackGenerator(cacheDirectory: configuration.cacheDirectory).stack(configuration.shape(layers: 10)) { _ in }
        for layer in stack.lowerDirectoriesTopFirst {
            #expect(access(layer + ".index", R_OK) == 0, "no index beside \(layer)")
        }
    }
}
