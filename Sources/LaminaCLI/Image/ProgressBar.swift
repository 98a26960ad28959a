import Foundation
import LaminaImage
import LaminaSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on standard error (layers and bytes, moving with the bytes inside a
/// layer), drawn only when standard error is a terminal, and never wider than the terminal (a
/// line that wrapped could not be redrawn in place). Redrawn at most ten times a second. What it
/// last drew is behind a `Mutex`, so it can be called from any task.
final class ProgressBar: Sendable {
    private struct State {
        var lastLine = ""
        var lastDraw = ContinuousClock.now - .seconds(1)
        var lastLayers = -1
    }

    private let enabled: Bool
    private let state = Mutex(State())

    init() {
        enabled = isatty(STDERR_FILENO) == 1
    }

    /// The handler to give the store (nil when not on a terminal, so nothing is computed).
    var handler: ProgressHandler? {
        guard enabled else { return nil }
        return { [self] progress in draw(progress) }
    }

    private func draw(_ progress: ImportProgress) {
        let columns = StreamCalls.terminalColumns(STDERR_FILENO) ?? 80
        let line = Self.line(progress, columns: columns)
        state.withLock { state in
            let now = ContinuousClock.now
            guard line != state.lastLine, progress.layersDone != state.lastLayers || now - state.lastDraw >= .milliseconds(100) else {
                return
            }
            state.lastLine = line
            state.lastDraw = now
            state.lastLayers = progress.layersDone
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        }
    }

    /// The bar's text for a terminal `columns` wide: at most `columns - 1` characters (the last
    /// column would wrap on some terminals), the bar shrinking first, then the message cut.
    static func line(_ progress: ImportProgress, columns: Int) -> String {
        let fraction = progress.bytesTotal > 0 ? min(1, Double(progress.bytesDone) / Double(progress.bytesTotal)) : 0
        let counts = " \(progress.layersDone)/\(progress.layersTotal)  \(format(progress.bytesDone))/\(format(progress.bytesTotal))"
        let room = columns - 1
        let width = min(30, room - counts.count - 2 - 12)
        var line = counts
        if width >= 5 {
            let filled = Int(fraction * Double(width))
            line = "[" + String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled) + "]" + counts
        }
        line += "  " + progress.message
        return String(line.prefix(max(0, room)))
    }

    /// Ends the bar's line (if one was drawn).
    func finish() {
        guard enabled, state.withLock({ !$0.lastLine.isEmpty }) else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
