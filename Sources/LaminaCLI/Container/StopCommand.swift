import ArgumentParser
import LaminaRuntime

/// `lamina stop`: SIGTERM, then SIGKILL after a grace period.
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop running containers.")

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Option(name: [.customShort("t"), .customLong("time")], help: "Seconds to wait after SIGTERM before SIGKILL (default: the container's --stop-timeout, else 10).")
    var time: Int?
    @Argument(help: "Containers (name or id).", completion: .custom(Completion.containers)) var containers: [String]

    func run() throws {
        try storeOptions.run("lamina stop") { store in
            for container in containers {
                print(try store.stop(container, timeout: time).name)
            }
        }
    }
}
