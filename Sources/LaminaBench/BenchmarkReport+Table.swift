import Foundation

extension BenchmarkReport {
    /// The report as a Markdown table: one row per figure and layer count, for each implementation
    /// its time (ms, by the figure's statistic), its ops/s and its ratios to the two references;
    /// then the FUSE daemons' peak memory and CPU time, and every skip.
    public func table() -> String {
        let implementations = measuredImplementations
        let comparesBuilds = implementations.contains(.laminaBefore)
        var header = "| figure | layers |"
        var rule = "|---|---:|"
        for implementation in implementations {
            header += " \(implementation.rawValue) ms | ops/s |"
            rule += "---:|---:|"
            if implementation != .kernel { header += " ÷kernel |"; rule += "---:|" }
            if implementation == .lamina { header += " ÷fuse-overlayfs |"; rule += "---:|" }
            if implementation == .lamina && comparesBuilds { header += " ÷before |"; rule += "---:|" }
        }
        var lines = [header, rule]
        let names = Workload.allCases.flatMap(\.figures)
        for name in names {
            for layers in settings.layers {
                let row = implementations.map { figure(name, $0, layers: layers) }
                guard row.contains(where: { $0 != nil }) else { continue }
                var line = "| \(name)\(Workload.statistic(of: name) == .minimum ? " (min)" : "") | \(layers) |"
                for (implementation, figure) in zip(implementations, row) {
                    line += " \(figure.map { Benchmark.format($0.milliseconds) } ?? "–") |"
                    line += " \(figure.map { Self.formatRate($0.operationsPerSecond) } ?? "–") |"
                    if implementation != .kernel { line += " \(Self.formatRatio(figure?.ratioToKernel)) |" }
                    if implementation == .lamina { line += " \(Self.formatRatio(figure?.ratioToFuseOverlayfs)) |" }
                    if implementation == .lamina && comparesBuilds { line += " \(Self.formatRatio(figure?.ratioToBefore)) |" }
                }
                lines.append(line)
            }
        }
        if !daemons.isEmpty {
            lines += ["", "| FUSE daemon | layers | peak RSS MiB | CPU s (all mounts) | mounts |", "|---|---:|---:|---:|---:|"]
            for usage in daemons.sorted(by: { ($0.implementation, $0.layers) < ($1.implementation, $1.layers) }) {
                lines.append("| \(usage.implementation.rawValue) | \(usage.layers) | "
                    + String(format: "%.1f", Double(usage.peakResidentKiB) / 1024)
                    + " | " + String(format: "%.2f", usage.cpuSeconds) + " | \(usage.mounts) |")
            }
            let transports = Set(daemons.compactMap { usage in usage.transport.map { "\(usage.implementation.rawValue): \($0)" } })
            if !transports.isEmpty { lines += [""] + transports.sorted().map { "- transport of " + $0 } }
        }
        let notes = Set(figures.compactMap { figure in figure.note.map { "\(figure.implementation.rawValue) \(figure.name): \($0)" } })
        if !notes.isEmpty { lines += [""] + notes.sorted().map { "- " + $0 } }
        if !skipped.isEmpty {
            lines += [""] + skipped.map { skip in
                "- skipped " + [skip.implementation?.rawValue, skip.workload?.rawValue, skip.layers.map { "at \($0) layers" }]
                    .compactMap { $0 }.joined(separator: " ") + ": " + skip.reason
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func formatRatio(_ ratio: Double?) -> String {
        guard let ratio else { return "–" }
        return String(format: ratio >= 10 ? "%.0f×" : "%.2f×", ratio)
    }

    static func formatRate(_ rate: Double) -> String {
        rate >= 1000 ? String(format: "%.0f", rate) : String(format: "%.1f", rate)
    }
}
