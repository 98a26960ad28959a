import ArgumentParser
import Foundation
import LaminaImage
import LaminaLazy

/// `lamina image ls`: every named image with its id, size, layer count, and how much of it is in
/// the store (less than all for an image pulled lazily and not yet complete).
struct ImageList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List images.", aliases: ["list"])

    @OptionGroup var options: StoreOptions

    @Option(help: "Output format.")
    var format: OutputFormat = .table

    @Flag(name: .shortAndLong, help: "Print only the image ids (short).")
    var quiet = false

    /// One row of the listing, as JSON shows it.
    struct Row: Codable {
        var name: String?
        var id: String
        var digest: String
        var size: Int64
        var layers: Int
        var platform: String
        /// Bytes of its layer blobs in the store.
        var local: Int64
    }

    func run() throws {
        try reportingErrors("ls") {
            let store = try options.open()
            var rows: [Row] = []
            for record in try store.images() {
                let details = try store.details(record)
                let local = store.layerProgress(of: details.manifest.layers).reduce(Int64(0)) { $0 + Int64($1.localBytes) }
                rows.append(Row(
                    name: record.name, id: details.id.description, digest: record.manifest.digest.description,
                    size: details.size, layers: details.manifest.layers.count, platform: details.config.platform.description,
                    local: local))
            }
            if quiet {
                for row in rows { print(row.id.dropFirst(7).prefix(12)) }
                return
            }
            switch format {
            case .json:
                try printJSON(rows)
            case .table:
                let width = max(4, rows.map { ($0.name ?? "<none>").count }.max() ?? 0)
                print("NAME".padding(toLength: width, withPad: " ", startingAt: 0) + "  ID            SIZE        LAYERS  LOCAL")
                for row in rows {
                    let name = (row.name ?? "<none>").padding(toLength: width, withPad: " ", startingAt: 0)
                    let id = String(row.id.dropFirst(7).prefix(12))
                    let size = ProgressBar.format(row.size).padding(toLength: 10, withPad: " ", startingAt: 0)
                    let layers = String(row.layers).padding(toLength: 6, withPad: " ", startingAt: 0)
                    print("\(name)  \(id)  \(size)  \(layers)  \(Self.local(row))")
                }
            }
        }
    }

    /// "100%" for an image whose blobs are all stored, else how much of it is ("12% lazy, 1.2 MB").
    static func local(_ row: Row) -> String {
        let layerBytes = max(row.local, 0)
        guard row.size > 0, layerBytes < row.size else { return "100%" }
        return "\(layerBytes * 100 / row.size)% lazy, \(ProgressBar.format(layerBytes))"
    }
}
