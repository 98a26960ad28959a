import ArgumentParser
import LaminaImage

/// `lamina image tag IMAGE NAME:TAG`: another name for an image.
struct ImageTag: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Give an image another name.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "Image name, id or digest.", completion: .custom(Completion.images))
    var image: String

    @Argument(help: "The new name (name:tag).")
    var name: String

    func run() throws {
        try reportingErrors("tag") { try options.open().tag(image, as: name) }
    }
}
