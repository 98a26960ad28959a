import ArgumentParser
import LaminaImage
import Foundation
import Logging

/// The options every image command shares: where the store is, and how much to log.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The image store (default: $LAMINA_STORE, else /var/lib/lamina as root, $XDG_DATA_HOME/lamina otherwise).",
        valueName: "dir"))
    var store: String?

    @Flag(help: "Log what the store does.")
    var debug = false

    /// Opens the store (creating it if needed).
    func open() throws(ImageError) -> ImageStore {
        var logger = Logger(label: "lamina.image", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = debug ? .debug : .warning
        return try ImageStore(root: store ?? ImageStore.defaultRoot(), logger: logger)
    }
}

/// `--format json` for the listing and inspecting commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// Prints a value as pretty JSON on standard output (`--format json`).
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
