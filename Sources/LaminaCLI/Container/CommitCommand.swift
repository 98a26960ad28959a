import ArgumentParser
import LaminaRuntime

/// `lamina commit`: a container's writable layer becomes a new image on top of its image.
struct CommitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "commit", abstract: "Make a new image from a container's changes.")

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Option(name: [.customShort("t"), .customLong("tag")], help: ArgumentHelp("The new image's name.", valueName: "name:tag"))
    var tag: String
    @Option(name: .shortAndLong, help: "A comment for the image's history.") var message: String?
    @Option(help: "The author recorded in the history.") var author: String?
    @Argument(help: "The container (name or id).", completion: .custom(Completion.containers)) var container: String

    func run() throws {
        try storeOptions.run("lamina commit") { store in
            if let code = try store.rerunInUserNamespace(of: container, arguments: Array(CommandLine.arguments.dropFirst())) {
                if code != 0 { throw ExitCode(code) }
                return
            }
            let image = try store.commit(container, as: tag, message: message, author: author)
            print(image.manifest.digest)
        }
    }
}
