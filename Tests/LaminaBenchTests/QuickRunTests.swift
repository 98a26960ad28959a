import Foundation
import LaminaSystem
import Testing

@testable import LaminaBench

/// Runs `lamina bench --quick` in-process and checks that every implementation present produced
/// every figure at every layer count (present and positive), never how fast anything was.
@Suite(.serialized, .enabled(if: geteuid() == 0, "needs root: the benchmark mounts overlays and drops caches"))
struct QuickRunTests {
    static let report: Result<BenchmarkReport, any Error> = Result {
        var configuration = BenchmarkConfiguration.quick(programs: BenchmarkConfiguration.defaultPrograms())
        configuration.cacheDirectory = "/tmp/lamina-bench-test-cache"
        return try Benchmark(configuration: configuration) { print($0) }.run()
    }

    @Test func kernelAndInstalledFUSEImplementationsAreMeasured() throws {
        let report = try Self.report.get()
        #expect(report.measuredImplementations.contains(.kernel))
        if access("/usr/bin/fuse-overlayfs", X_OK) == 0 {
            #expect(report.measuredImplementations.contains(.fuseOverlayfs))
        }
        if !report.measuredImplementations.contains(.lamina) {
            let reasons = report.skipped.filter { $0.implementation == .lamina }.map(\.reason)
            print("lamina not measured: \(reasons.first ?? "not requested")")
        }
    }

    @Test(arguments: Workload.allCases.filter { $0 != .containerStart })
    func everyMeasuredImplementationProducesEveryFigure(_ workload: Workload) throws {
        let report = try Self.report.get()
        #expect(!report.skipped.contains { $0.workload == workload })
        for implementation in report.measuredImplementations {
            for layers in report.settings.layers {
                for name in workload.figures {
                    let figure = try #require(report.figure(name, implementation, layers: layers),
                                              "\(implementation.rawValue) \(name) at \(layers) layers")
                    #expect(figure.samplesMilliseconds.count == report.settings.repetitions)
                    #expect(figure.samplesMilliseconds.allSatisfy { $0 > 0 })
                    #expect(figure.operations > 0)
                    #expect(figure.operationsPerSecond > 0)
                    #expect(figure.ratioToKernel != nil)
                    if report.measuredImplementations.contains(.fuseOverlayfs) {
                        #expect(figure.ratioToFuseOverlayfs != nil)
                    }
                }
            }
        }
    }

    @Test func everyFUSEDaemonReportsMemoryAndCPU() throws {
        let report = try Self.report.get()
        for implementation in report.measuredImplementations where implementation.isFUSE {
            for layers in report.settings.layers {
                let usage = try #require(report.daemons.first { $0.implementation == implementation && $0.layers == layers })
                #expect(usage.peakResidentKiB > 0)
                #expect(usage.cpuSeconds > 0)
            }
        }
    }

    /// With runc and busybox here, every measured implementation has container-start figures at
    /// every layer count; without them, the workload is skipped once, saying which is missing.
    @Test func containerStartIsMeasuredOnEveryImplementation() throws {
        let report = try Self.report.get()
        if let reason = ContainerStart.unavailableReason {
            #expect(report.skipped.contains { $0.workload == .containerStart && $0.reason == reason })
            return
        }
        #expect(!report.skipped.contains { $0.workload == .containerStart })
        for implementation in report.measuredImplementations {
            for layers in report.settings.layers {
                let figure = try #require(report.figure("container-start", implementation, layers: layers),
                                          "\(implementation.rawValue) container-start at \(layers) layers")
                #expect(figure.samplesMilliseconds.count == report.settings.repetitions)
                #expect(figure.samplesMilliseconds.allSatisfy { $0 > 0 })
                #expect(figure.operations > 0)
            }
        }
    }

    @Test func outputsCarryEveryFigure() throws {
        let report = try Self.report.get()
        let decoded = try JSONDecoder().decode(BenchmarkReport.self, from: JSONEncoder().encode(report))
        #expect(decoded.figures.count == report.figures.count)
        let table = report.table(), chart = report.chart()
        for name in Set(report.figures.map(\.name)) {
            #expect(table.contains("| \(name)"))
            #expect(chart.contains(">\(name)</text>"))
        }
        let lines = chart.components(separatedBy: "<polyline").count - 1
        #expect(lines == Set(report.figures.map { "\($0.name) \($0.implementation)" }).count)
    }
}
