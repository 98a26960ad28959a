import ArgumentParser
import LaminaRuntime
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// `lamina logs`: what a detached container wrote to its standard output and error.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Show a detached container's output.")

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Argument(help: "The container (name or id).") var container: String

    func run() throws {
        try storeOptions.run("lamina logs") { store in
            let record = try store.find(container)
            guard let bytes = try? MountCalls.readFile(store.logPath(record.id)) else { return }
            try MountCalls.writeAll(STDOUT_FILENO, bytes)
        }
    }
}
