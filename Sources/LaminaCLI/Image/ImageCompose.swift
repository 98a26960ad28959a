import ArgumentParser
import LaminaImage

/// `lamina image compose -t NEW LAYERS...`: a new image from layers already in the store.
struct ImageCompose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose",
        abstract: "Build an image from layers in the store, without copying them.",
        discussion: """
            Each item is an image (all its layers) or a layer (diff id or blob digest, or a unique prefix), \
            listed bottom first. Run settings and platform come from the last image listed.
            """)

    @OptionGroup var options: StoreOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("The new image's name.", valueName: "name:tag"))
    var tag: String

    @Argument(help: "Images and layer digests, bottom first.")
    var layers: [String]

    func run() throws {
        try reportingErrors("compose") {
            let record = try options.open().compose(layers, name: tag)
            print("\(record.name ?? "") \(record.manifest.digest)")
        }
    }
}
