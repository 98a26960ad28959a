import ArgumentParser
import LaminaImage

/// `lamina image rm IMAGE...`: removes names; layers stay until `prune` (or `--prune`). An image a
/// container uses keeps its last name (as podman refuses) unless `--force`, which untags it and
/// keeps its layers for as long as the container exists.
struct ImageRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove image names (an id or digest removes all its names).", aliases: ["remove"])

    @OptionGroup var options: StoreOptions

    @Flag(help: "Then remove the blobs and layers no image uses any more.")
    var prune = false

    @Flag(name: .shortAndLong, help: "Untag an image even when a container uses it (its layers stay while the container exists).")
    var force = false

    @Argument(help: "Image names, ids or digests.", completion: .custom(Completion.images))
    var images: [String]

    func run() throws {
        try reportingErrors("rm") {
            let store = try options.open()
            for image in images {
                for removed in try store.remove(image, force: force) { print("removed \(removed)") }
            }
            if prune { try store.prune() }
        }
    }
}
