import ArgumentParser
import LaminaRuntime

/// `lamina diff`: paths the container added (A), changed (C) or deleted (D), as `podman diff`.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "Show a container's changes to its image.")

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Argument(help: "The container (name or id).", completion: .custom(Completion.containers)) var container: String

    func run() throws {
        try storeOptions.run("lamina diff") { store in
            if let code = try store.rerunInUserNamespace(of: container, arguments: Array(CommandLine.arguments.dropFirst())) {
                if code != 0 { throw ExitCode(code) }
                return
            }
            for change in try store.diff(container) { print(change) }
        }
    }
}
