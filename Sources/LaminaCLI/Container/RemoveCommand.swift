import ArgumentParser
import LaminaRuntime

/// `lamina rm`: removes containers, their writable layers, mounts and daemons (stale ones too).
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove containers.")

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Flag(name: .shortAndLong, help: "Kill running containers first.") var force = false
    @Argument(help: "Containers (name or id).", completion: .custom(Completion.containers)) var containers: [String]

    func run() throws {
        try storeOptions.run("lamina rm") { store in
            for container in containers {
                try store.remove(container, force: force)
                print(container)
            }
        }
    }
}
