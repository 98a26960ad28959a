extension Benchmark {
    /// The repetitions of container-start on one implementation and stack: each one mounts, runs
    /// and unmounts inside the timed step. A failure skips the workload on this implementation.
    func measureContainerStart(_ implementation: Implementation, _ stack: GeneratedStack, _ mounter: OverlayMounter,
                               _ containerStart: ContainerStart, _ usage: inout BenchmarkReport.DaemonUsage,
                               into report: inout BenchmarkReport) {
        let layers = stack.manifest.shape.layers
        let workload = Workload.containerStart
        var timings: [StepTiming] = []
        for repetition in 1...configuration.repetitions {
            do {
                let (timing, daemon) = try containerStart.run(implementation, stack, mounter)
                if let daemon {
                    usage.peakResidentKiB = max(usage.peakResidentKiB, daemon.peakResidentKiB)
                    usage.cpuSeconds += daemon.cpuSeconds
                }
                usage.mounts += 1
                timings.append(timing)
                progress("\(implementation.rawValue) \(layers) layers \(workload.rawValue) "
                    + "\(repetition)/\(configuration.repetitions): \(Self.format(timing.seconds * 1000)) ms")
            } catch {
                let reason = "\(error)"
                progress("skipped \(workload.rawValue) on \(implementation.rawValue) at \(layers) layers: \(reason)")
                report.skipped.append(.init(implementation: implementation, layers: layers, workload: workload, reason: reason))
                return
            }
        }
        for name in workload.figures {
            report.figures.append(.init(name: name, workload: workload, implementation: implementation,
                                        layers: layers, timings: timings))
        }
    }
}
