import ArgumentParser
import Foundation
import LaminaImage

/// `lamina image inspect IMAGE`: names, ids, layers (with their unpacked directories) and config.
struct ImageInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show an image's details.")

    @OptionGroup var options: StoreOptions

    @Option(help: "Output format.")
    var format: OutputFormat = .table

    @Argument(help: "Image name, id or digest.", completion: .custom(Completion.images))
    var image: String

    /// What inspect shows, as JSON.
    struct Report: Codable {
        var names: [String]
        var id: String
        var digest: String
        var platform: String
        var created: String?
        var layers: [Layer]
        var config: JSONValue?

        struct Layer: Codable {
            var digest: String
            var diffID: String
            var mediaType: String
            var size: Int64
            var directory: String
        }
    }

    /// What inspect shows of `image`.
    static func report(for image: String, in store: ImageStore) throws(ImageError) -> Report {
        let details = try store.details(try store.resolve(image))
        let layers = zip(details.manifest.layers, details.config.rootfs.diffIDs).map { layer, diffID in
            Report.Layer(
                digest: layer.digest.description, diffID: diffID.description, mediaType: layer.mediaType,
                size: layer.size, directory: store.layerPath(diffID))
        }
        return Report(
            names: details.names, id: details.id.description, digest: details.record.manifest.digest.description,
            platform: details.config.platform.description, created: details.config.created, layers: layers,
            config: details.config.config)
    }

    func run() throws {
        try reportingErrors("inspect") {
            let report = try Self.report(for: image, in: try options.open())
            let layers = report.layers
            switch format {
            case .json:
                try printJSON(report)
            case .table:
                print("Names:    \(report.names.joined(separator: ", "))")
                print("ID:       \(report.id)")
                print("Digest:   \(report.digest)")
                print("Platform: \(report.platform)")
                print("Created:  \(report.created ?? "-")")
                print("Layers (bottom first):")
                for layer in layers {
                    print("  \(layer.diffID)  \(ProgressBar.format(layer.size))  \(layer.directory)")
                }
            }
        }
    }
}
