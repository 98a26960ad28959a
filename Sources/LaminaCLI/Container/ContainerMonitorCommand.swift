import ArgumentParser
import LaminaRuntime
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// `lamina container-monitor ID` (hidden): what `lamina run -d` leaves behind. It runs the
/// container's process with runc in its own session, records its exit and tidies up.
struct ContainerMonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container-monitor", abstract: "Run a created container to its end (used by `run -d`).",
        shouldDisplay: false)

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Argument var container: String

    func run() throws {
        try? MountCalls.startSession()
        let code: Int32 = try storeOptions.run("lamina container-monitor") { store in
            // The container's output goes to its log only (the monitor's own output is /dev/null).
            try store.start(try store.find(container), streams: (STDIN_FILENO, -1, -1))
        }
        throw ExitCode(code)
    }
}
