import ArgumentParser
import Foundation
import LaminaRuntime

/// `lamina ps`: the containers and what they are doing now (probed, not remembered).
struct ListContainersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List containers.", aliases: ["ls", "list"])

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Flag(name: .shortAndLong, help: "Show every container, not only running ones.") var all = false
    @Option(help: ArgumentHelp("Output format: table or json.", valueName: "format")) var format = "table"
    @Flag(name: .shortAndLong, help: "Print only the container ids.") var quiet = false

    struct Row: Codable {
        var id: String
        var name: String
        var image: String
        var imageID: String
        var command: [String]
        var created: String
        var state: String
        var status: String
        var exitCode: Int32?
        var pid: Int32?
        var mount: String
    }

    func run() throws {
        guard format == "table" || format == "json" else {
            throw ErrorLine.report("lamina ps", RuntimeError.invalidArgument("unknown format '\(format)': use table or json"))
        }
        let rows: [Row] = try storeOptions.run("lamina ps") { store in
            store.containers().compactMap { record in
                let status = store.status(of: record)
                guard all || status.state != .exited else { return nil }
                return Row(id: record.id, name: record.name, image: record.image, imageID: record.imageID, command: record.command,
                           created: record.created, state: status.state.rawValue, status: status.summary,
                           exitCode: status.exitCode, pid: status.pid, mount: status.mount.rawValue)
            }
        }
        if quiet {
            for row in rows { print(row.id.prefix(12)) }
            return
        }
        if format == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        let table = [["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES"]] + rows.map { row in
            [String(row.id.prefix(12)), row.image, String(row.command.joined(separator: " ").prefix(30)), row.created, row.status, row.name]
        }
        let widths = (0..<6).map { column in table.map { $0[column].count }.max() ?? 0 }
        for line in table {
            print(zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces))
        }
    }
}
