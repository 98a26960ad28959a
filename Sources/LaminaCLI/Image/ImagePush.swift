import ArgumentParser
import LaminaImage

/// `lamina image push IMAGE [DESTINATION]` (and `lamina push`): an image of the store to a registry.
struct ImagePush: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Push an image to a registry.",
        discussion: """
            The image goes where its name says (127.0.0.1:5000/app:1 to the registry at 127.0.0.1:5000), or to \
            DESTINATION. Blobs the registry holds already are not sent again.
            """)

    @OptionGroup var options: StoreOptions
    @Flag(help: "Use plain HTTP (registries on loopback use it anyway).")
    var insecure = false
    @Option(help: ArgumentHelp("Registry credentials.", valueName: "user:password"))
    var creds: String?

    @Argument(help: "Image name, id or digest.", completion: .custom(Completion.images))
    var image: String
    @Argument(help: ArgumentHelp("Where to push it (default: the image's name).", valueName: "host[:port]/name[:tag]"))
    var destination: String?

    func run() throws {
        try reportingErrors("push") {
            let store = try options.open()
            let credentials = try creds.map { text throws(ImageError) in try RegistryCredentials(parsing: text) }
            let bar = ProgressBar()
            let (image, destination, insecure, handler) = (image, destination, insecure, bar.handler)
            let digest = try waitFor {
                try await store.push(image, to: destination, insecure: insecure, credentials: credentials, progress: handler)
            }
            bar.finish()
            print("\(destination ?? image) \(digest)")
        }
    }
}
