import ArgumentParser
import LaminaImage

/// `lamina image prune`: removes blobs and unpacked layers no image uses.
struct ImagePrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove layers and blobs no image uses.")

    @OptionGroup var options: StoreOptions

    func run() throws {
        try reportingErrors("prune") {
            let report = try options.open().prune()
            print("removed \(report.layers.count) layers and \(report.blobs.count) blobs")
        }
    }
}
