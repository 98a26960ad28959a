import ArgumentParser
import LaminaRuntime

/// `lamina restart`: stops running containers (as `stop`) and starts them again in the background.
struct RestartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart containers.")

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Option(name: [.customShort("t"), .customLong("time")], help: "Seconds to wait for the process to stop before killing it (default: the container's --stop-timeout, else 10).")
    var time: Int?

    @Argument(help: "Containers (name or id).", completion: .custom(Completion.containers)) var containers: [String]

    func run() throws {
        try storeOptions.runProcess("lamina restart") { store in
            for container in containers {
                try store.stop(container, timeout: time)
                if let record = try store.prepareStart(container, attached: false) { try store.startDetached(record) }
                print(container)
            }
        }
    }
}
