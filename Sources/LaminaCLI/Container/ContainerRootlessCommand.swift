import ArgumentParser
import LaminaRuntime

/// `lamina container-rootless ID` (hidden): a plain user's container, run by its monitor inside
/// the container's own user namespace, where it mounts the rootfs, runs runc and unmounts.
struct ContainerRootlessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container-rootless", abstract: "Run a rootless container in its user namespace (used by `run`).",
        shouldDisplay: false)

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Argument var container: String

    func run() throws {
        let code: Int32 = try storeOptions.run("lamina") { store in try store.runRootless(container) }
        throw ExitCode(code)
    }
}
