import ArgumentParser
import Foundation
import LaminaImage

/// `lamina image ls`: every named image with its id, size and layer count.
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
    }

    func run() throws {
        try reportingErrors("ls") {
            let store = try options.open()
            var rows: [Row] = []
            for record in try store.images() {
                let details = try store.details(record)
                rows.append(Row(
                    name: record.name, id: details.id.description, digest: record.manifest.digest.description,
                    size: details.size, layers: details.manifest.layers.count, platform: details.config.platform.description))
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
                print("NAME".padding(toLength: width, withPad: " ", startingAt: 0) + "  ID            SIZE        LAYERS")
                for row in rows {
                    let name = (row.name ?? "<none>").padding(toLength: width, withPad: " ", startingAt: 0)
                    let id = String(row.id.dropFirst(7).prefix(12))
                    let size = ProgressBar.format(row.size).padding(toLength: 10, withPad: " ", startingAt: 0)
                    print("\(name)  \(id)  \(size)  \(row.layers)")
                }
            }
        }
    }
}
