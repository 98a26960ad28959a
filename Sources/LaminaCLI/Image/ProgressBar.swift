import Foundation
import LaminaImage
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on standard error (layers and bytes), drawn only when standard error
/// is a terminal. Its last drawn line is behind a `Mutex`, so it can be called from any task.
final class ProgressBar: Sendable {
    private let enabled: Bool
    private let lastLine = Mutex<String>("")

    init() {
        enabled = isatty(STDERR_FILENO) == 1
    }

    /// The handler to give the store (nil when not on a terminal, so nothing is computed).
    var handler: ProgressHandler? {
        guard enabled else { return nil }
        return { [self] progress in draw(progress) }
    }

    private func draw(_ progress: ImportProgress) {
        let width = 30
        let fraction = progress.bytesTotal > 0 ? Double(progress.bytesDone) / Double(progress.bytesTotal) : 0
        let filled = min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let line = "[\(bar)] layers \(progress.layersDone)/\(progress.layersTotal)  "
            + "\(Self.format(progress.bytesDone))/\(Self.format(progress.bytesTotal))  \(progress.message)"
        lastLine.withLock { last in
            guard last != line else { return }
            last = line
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        }
    }

    /// Ends the bar's line.
    func finish() {
        guard enabled else { return }
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
