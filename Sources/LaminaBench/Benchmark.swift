import Foundation
import LaminaSystem
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Runs the workloads on every implementation and layer count and collects a `BenchmarkReport`.
///
/// "Cold" means: a fresh mount (for FUSE a new daemon, so neither the daemon nor the kernel's FUSE
/// caches hold anything), a fresh upper and work dir, then `sync` and `drop_caches=3` (page cache,
/// dentries and inodes of the layers' file system) just before the first step of a workload.
/// Later steps of the same workload reuse that mount and its caches. Every repetition of every
/// workload gets its own mount, so write workloads always start from the pristine stack.
///
/// Synchronous and single-threaded: measurements must not overlap.
public final class Benchmark {
    public let configuration: BenchmarkConfiguration
    private let logger: Logger
    let progress: (String) -> Void

    public init(configuration: BenchmarkConfiguration, logger: Logger = Logger(label: "lamina.bench"),
                progress: @escaping (String) -> Void) {
        self.configuration = configuration
        self.logger = logger
        self.progress = progress
    }

    /// One directory per run, also where two runs share a process (the test suites run two at
    /// once): the first to finish removes its directory. Short, because kernel overlayfs takes its
    /// options in one page and a 100-layer lowerdir lists 100 links under it: named
    /// "lamina-bench-PID-RANDOM" it no longer fit, and the kernel's 100-layer mounts failed.
    static func runDirectory(in workDirectory: String, pid: pid_t = getpid(), random: UInt32 = .random(in: 0...UInt32.max)) -> String {
        workDirectory + "/lb\(String(pid, radix: 36))-\(String(random, radix: 36))"
    }

    public func run() throws -> BenchmarkReport {
        guard geteuid() == 0 else {
            throw SystemError("lamina bench needs root (it mounts overlays and drops caches)", errno: EPERM)
        }
        let configuration = configuration
        var report = BenchmarkReport(
            machine: MachineDescription.current(), settings: settings,
            programs: Dictionary(uniqueKeysWithValues: configuration.programs.map { ($0.key.rawValue, $0.value) }))
        for (implementation, program) in configuration.programs {
            report.programs[implementation.rawValue + " version"] = MachineDescription.version(of: program)
        }
        let runDirectory = Self.runDirectory(in: configuration.workDirectory)
        try FileTree.makeDirectories(runDirectory)
        defer { _ = try? FileTree.remove(runDirectory) }
        let mounter = OverlayMounter(
            runDirectory: runDirectory, programs: configuration.programs, laminaOptions: configuration.laminaOptions,
            laminaIndexes: configuration.laminaIndexes)
        let generator = StackGenerator(cacheDirectory: configuration.cacheDirectory)

        var containerStart: ContainerStart?
        if configuration.workloads.contains(.containerStart) {
            do {
                containerStart = try ContainerStart.prepare(runDirectory: runDirectory)
            } catch {
                progress("skipped container-start: \(error)")
                report.skipped.append(.init(workload: .containerStart, reason: "\(error)"))
            }
        }
        for layers in configuration.layers {
            let stack = try generator.stack(configuration.shape(layers: layers), progress: progress)
            let targets = WorkloadTargets(
                manifest: stack.manifest, statCount: configuration.statCount,
                unlinkCount: configuration.unlinkCount, createCount: configuration.createCount,
                seed: configuration.seed)
            try measure(configuration.implementations, stack, targets, mounter, containerStart, into: &report)
        }
        report.computeRatios()
        return report
    }

    private var settings: BenchmarkReport.Settings {
        BenchmarkReport.Settings(
            layers: configuration.layers, filesPerLayer: configuration.filesPerLayer,
            bigDirectoryEntries: configuration.bigDirectoryEntries, bigFileBytes: configuration.bigFileBytes,
            seed: configuration.seed, repetitions: configuration.repetitions, statCount: configuration.statCount,
            createCount: configuration.createCount, unlinkCount: configuration.unlinkCount, quick: configuration.quick)
    }

    /// Every workload of every implementation on one stack. Repetitions interleave the
    /// implementations (repetition 1 of each, then repetition 2 of each, ...), so a burst of
    /// background load lands on all of them alike instead of on whichever ran during it. A mount
    /// failure skips the rest of that implementation on this stack.
    private func measure(_ implementations: [Implementation], _ stack: GeneratedStack, _ targets: WorkloadTargets,
                         _ mounter: OverlayMounter, _ containerStart: ContainerStart?,
                         into report: inout BenchmarkReport) throws {
        let layers = stack.manifest.shape.layers
        var usages = implementations.map {
            BenchmarkReport.DaemonUsage(implementation: $0, layers: layers, peakResidentKiB: 0, cpuSeconds: 0, mounts: 0)
        }
        var unmountable = Set<Implementation>()
        defer {
            for usage in usages where usage.mounts > 0 && usage.implementation.isFUSE { report.daemons.append(usage) }
        }
        for workload in configuration.workloads {
            if workload == .containerStart {
                if let containerStart {
                    for (index, implementation) in implementations.enumerated() where !unmountable.contains(implementation) {
                        measureContainerStart(implementation, stack, mounter, containerStart, &usages[index], into: &report)
                    }
                }
                continue
            }
            var timings = [[[StepTiming]]](repeating: [], count: implementations.count)
            var failed = Set<Implementation>()
            for repetition in 1...configuration.repetitions {
                for (index, implementation) in implementations.enumerated()
                where !unmountable.contains(implementation) && !failed.contains(implementation) {
                    switch runOnce(workload, implementation, stack, targets, mounter, &usages[index]) {
                    case .measured(let steps):
                        timings[index].append(steps)
                        let summary = zip(workload.figures, steps).map { name, step in
                            "\(name) \(Self.format(step.seconds * 1000)) ms"
                        }.joined(separator: ", ")
                        progress("\(implementation.rawValue) \(layers) layers \(workload.rawValue) "
                            + "\(repetition)/\(configuration.repetitions): \(summary)")
                    case .unmountable(let reason):
                        progress("skipped \(implementation.rawValue) at \(layers) layers: \(reason)")
                        report.skipped.append(.init(implementation: implementation, layers: layers, reason: reason))
                        unmountable.insert(implementation)
                        timings[index] = []
                    case .failed(let reason):
                        progress("skipped \(workload.rawValue) on \(implementation.rawValue) at \(layers) layers: \(reason)")
                        report.skipped.append(.init(implementation: implementation, layers: layers, workload: workload, reason: reason))
                        failed.insert(implementation)
                        timings[index] = []
                    }
                }
            }
            for (index, implementation) in implementations.enumerated() where !timings[index].isEmpty {
                for (step, name) in workload.figures.enumerated() {
                    report.figures.append(.init(name: name, workload: workload, implementation: implementation,
                                                layers: layers, timings: timings[index].map { $0[step] }))
                }
            }
        }
    }

    /// What one repetition of a workload on one implementation came to.
    private enum Outcome {
        case measured([StepTiming])
        /// The overlay could not be mounted: the implementation is skipped on this stack.
        case unmountable(String)
        /// The workload failed on a mounted overlay: only this workload is skipped.
        case failed(String)
    }

    /// One repetition on a fresh mount, with the page cache dropped before the first step.
    private func runOnce(_ workload: Workload, _ implementation: Implementation, _ stack: GeneratedStack,
                         _ targets: WorkloadTargets, _ mounter: OverlayMounter,
                         _ usage: inout BenchmarkReport.DaemonUsage) -> Outcome {
        let mount: OverlayMount
        do {
            mount = try mounter.mount(implementation, stack)
        } catch let failure as MountFailure {
            return .unmountable(failure.reason)
        } catch {
            return .unmountable("\(error)")
        }
        if usage.transport == nil { usage.transport = mount.daemonTransport() }
        let steps: [StepTiming]
        do {
            try PageCache.dropAll()
            steps = try workload.run(on: mount.path, targets)
        } catch {
            _ = try? mount.unmount()
            return .failed("\(error)")
        }
        do {
            if let daemon = try mount.unmount() {
                usage.peakResidentKiB = max(usage.peakResidentKiB, daemon.peakResidentKiB)
                usage.cpuSeconds += daemon.cpuSeconds
            }
        } catch {
            return .failed("unmount: \(error)")
        }
        usage.mounts += 1
        return .measured(steps)
    }

    static func format(_ milliseconds: Double) -> String {
        milliseconds >= 100 ? String(format: "%.0f", milliseconds)
            : milliseconds >= 10 ? String(format: "%.1f", milliseconds)
            : String(format: "%.2f", milliseconds)
    }
}
