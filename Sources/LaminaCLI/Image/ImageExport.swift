import ArgumentParser
import LaminaImage

/// `lamina image export IMAGE PATH`: writes the image as an oci-archive tarball.
struct ImageExport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write an image as an oci-archive.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "Image name, id or digest.")
    var image: String

    @Argument(help: "The archive file to write.")
    var path: String

    func run() throws {
        try reportingErrors("export") { try options.open().export(image, to: path) }
    }
}
