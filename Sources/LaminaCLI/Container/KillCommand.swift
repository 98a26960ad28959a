import ArgumentParser
import LaminaRuntime

/// `lamina kill`: a signal to the container's process (SIGKILL by default).
struct KillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Send a signal to running containers.")

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Option(name: .shortAndLong, help: "The signal (name or number).") var signal = "KILL"
    @Argument(help: "Containers (name or id).", completion: .custom(Completion.containers)) var containers: [String]

    func run() throws {
        try storeOptions.run("lamina kill") { store in
            for container in containers {
                print(try store.kill(container, signal: signal).name)
            }
        }
    }
}
