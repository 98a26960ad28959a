import ArgumentParser
import LaminaRuntime
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// `lamina run`: a new container from an image, on the image's merged view, run by runc.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command in a new container.",
        discussion: "The container's exit code is lamina's; signals sent to lamina go to the container.")

    @OptionGroup var storeOptions: ContainerStoreOptions

    @Option(help: "Name the container.") var name: String?
    @Flag(name: .shortAndLong, help: "Run in the background and print the container id.") var detach = false
    @Flag(help: "Remove the container when it exits.") var rm = false
    @Flag(name: .shortAndLong, help: "Keep standard input open.") var interactive = false
    @Flag(name: [.customShort("t"), .customLong("tty")], help: "Give the container a terminal.") var tty = false
    @Option(name: [.customShort("e"), .customLong("env")], help: ArgumentHelp("Set an environment variable.", valueName: "K=V"))
    var environment: [String] = []
    @Option(name: [.customShort("w"), .customLong("workdir")], help: "Working directory inside the container.") var workdir: String?
    @Option(name: .shortAndLong, help: ArgumentHelp("User to run as.", valueName: "user[:group]")) var user: String?
    @Option(name: [.customShort("v"), .customLong("volume")], help: ArgumentHelp("Bind a host path.", valueName: "host:ctr[:ro]"))
    var volumes: [String] = []
    @Option(help: "Replace the image's entrypoint.") var entrypoint: String?
    @Option(help: ArgumentHelp("Network: 'host' shares the host's; default none (loopback only).", valueName: "mode"))
    var net: String?

    @Argument(help: "The image.") var image: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (default: the image's).")
    var command: [String] = []

    func run() throws {
        let code: Int32 = try storeOptions.run("lamina run") { store in
            var options = RunOptions(image: image)
            options.command = command.first == "--" ? Array(command.dropFirst()) : command
            options.name = name
            options.detach = detach
            options.autoRemove = rm
            options.interactive = interactive
            options.terminal = tty
            options.environment = environment
            options.workingDirectory = workdir
            options.user = user
            options.volumes = try volumes.map { text throws(RuntimeError) in try VolumeMount(parsing: text) }
            options.entrypoint = entrypoint
            switch net {
            case nil, "none": options.hostNetwork = false
            case "host": options.hostNetwork = true
            case let other?: throw RuntimeError.invalidArgument("unsupported network '\(other)': use host or none")
            }
            let record = try store.create(options)
            if detach {
                try store.startDetached(record)
                print(record.id)
                return 0
            }
            let null = try MountCalls.openReadWrite("/dev/null")
            defer { MountCalls.close(null) }
            return try store.start(record, streams: (interactive ? STDIN_FILENO : null, STDOUT_FILENO, STDERR_FILENO))
        }
        if code != 0 { throw ExitCode(code) }
    }
}
