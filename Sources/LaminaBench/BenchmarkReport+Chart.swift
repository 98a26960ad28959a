import Foundation

extension BenchmarkReport {
    /// An SVG chart: one panel per figure, time (ms, log scale) against layer count, one line per
    /// implementation, so how each scales with depth is visible at a glance.
    public func chart() -> String {
        let names = Workload.allCases.flatMap(\.figures).filter { name in figures.contains { $0.name == name } }
        let implementations = measuredImplementations
        let columns = 4, panelWidth = 260.0, panelHeight = 190.0, top = 40.0
        let rows = (names.count + columns - 1) / columns
        let width = Double(columns) * panelWidth, height = top + Double(rows) * panelHeight + 10
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="10">
            <rect width="100%" height="100%" fill="white"/>

            """
        for (index, implementation) in implementations.enumerated() {
            let x = 10 + Double(index) * 170
            svg += "<rect x=\"\(x)\" y=\"12\" width=\"14\" height=\"4\" fill=\"\(Self.color(implementation))\"/>"
            svg += "<text x=\"\(x + 18)\" y=\"18\" font-size=\"12\">\(implementation.rawValue)</text>\n"
        }
        svg += "<text x=\"\(width - 10)\" y=\"18\" text-anchor=\"end\">ms (log scale) against layer count</text>\n"
        let layerCounts = settings.layers.sorted()
        for (panel, name) in names.enumerated() {
            let originX = Double(panel % columns) * panelWidth, originY = top + Double(panel / columns) * panelHeight
            let plotLeft = originX + 45, plotRight = originX + panelWidth - 15
            let plotTop = originY + 20, plotBottom = originY + panelHeight - 30
            let values = figures.filter { $0.name == name && $0.milliseconds > 0 }.map(\.milliseconds)
            guard let smallest = values.min(), let largest = values.max() else { continue }
            let low = floor(log10(smallest)), high = max(ceil(log10(largest)), low + 1)
            let y = { (ms: Double) in plotBottom - (log10(ms) - low) / (high - low) * (plotBottom - plotTop) }
            let x = { (layers: Int) -> Double in
                let position = Double(layerCounts.firstIndex(of: layers) ?? 0)
                return layerCounts.count < 2 ? (plotLeft + plotRight) / 2
                    : plotLeft + position / Double(layerCounts.count - 1) * (plotRight - plotLeft)
            }
            svg += "<text x=\"\(originX + 10)\" y=\"\(originY + 12)\" font-weight=\"bold\">\(name)</text>\n"
            svg += "<rect x=\"\(plotLeft)\" y=\"\(plotTop)\" width=\"\(plotRight - plotLeft)\" height=\"\(plotBottom - plotTop)\" fill=\"none\" stroke=\"#ccc\"/>\n"
            for decade in Int(low)...Int(high) {
                let value = pow(10, Double(decade))
                svg += "<text x=\"\(plotLeft - 4)\" y=\"\(y(value) + 3)\" text-anchor=\"end\">\(Self.formatAxis(value))</text>"
                svg += "<line x1=\"\(plotLeft)\" x2=\"\(plotRight)\" y1=\"\(y(value))\" y2=\"\(y(value))\" stroke=\"#eee\"/>\n"
            }
            for layers in layerCounts {
                svg += "<text x=\"\(x(layers))\" y=\"\(plotBottom + 14)\" text-anchor=\"middle\">\(layers)</text>"
            }
            for implementation in implementations {
                let points = layerCounts.compactMap { layers in
                    figure(name, implementation, layers: layers).flatMap { $0.milliseconds > 0 ? (x(layers), y($0.milliseconds)) : nil }
                }
                guard !points.isEmpty else { continue }
                let color = Self.color(implementation)
                let list = points.map { String(format: "%.1f,%.1f", $0.0, $0.1) }.joined(separator: " ")
                svg += "<polyline data-implementation=\"\(implementation.rawValue)\" points=\"\(list)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>"
                for point in points {
                    svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%@\"/>", point.0, point.1, color)
                }
                svg += "\n"
            }
        }
        return svg + "</svg>\n"
    }

    static func color(_ implementation: Implementation) -> String {
        switch implementation {
        case .kernel: "#1f77b4"
        case .fuseOverlayfs: "#d62728"
        case .lamina: "#2ca02c"
        case .laminaBefore: "#98df8a"
        }
    }

    static func formatAxis(_ milliseconds: Double) -> String {
        milliseconds >= 1000 ? "\(Int(milliseconds / 1000)) s" : milliseconds >= 1 ? "\(Int(milliseconds))" : String(format: "%g", milliseconds)
    }
}
