import ArgumentParser
import LaminaImage
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
        discussion: """
            An image missing from the store is pulled first (--pull). The container's exit code is lamina's; \
            when lamina itself fails it exits 125, 126 when the command cannot be run, 127 when it does not \
            exist (as docker). Signals sent to lamina go to the container. Its output is kept for `lamina logs`.
            """,
        helpNames: [.long])

    @OptionGroup var storeOptions: ContainerStoreOptions

    @Option(help: "Name the container.") var name: String?
    @Flag(name: .shortAndLong, help: "Run in the background and print the container id.") var detach = false
    @Flag(help: "Remove the container when it exits.") var rm = false
    @Flag(name: .shortAndLong, help: "Keep standard input open.") var interactive = false
    @Flag(name: [.customShort("t"), .customLong("tty")], help: "Give the container a terminal (lamina must have one).") var tty = false
    @Option(name: [.customShort("e"), .customLong("env")], help: ArgumentHelp("Set an environment variable (K alone: lamina's value).", valueName: "K=V"))
    var environment: [String] = []
    @Option(help: ArgumentHelp("Read environment variables from a file: K=V lines; # comments and blank lines skipped.", valueName: "file"))
    var envFile: [String] = []
    @Option(name: [.customShort("w"), .customLong("workdir")], help: "Working directory inside the container.") var workdir: String?
    @Option(name: .shortAndLong, help: ArgumentHelp("User to run as.", valueName: "user[:group]")) var user: String?
    @Option(name: [.customShort("v"), .customLong("volume")], help: ArgumentHelp("Bind a host path.", valueName: "host:ctr[:ro]"))
    var volumes: [String] = []
    @Option(help: "Replace the image's entrypoint.") var entrypoint: String?
    @Option(help: ArgumentHelp("Network: 'host' shares the host's; default none (loopback only).", valueName: "mode"))
    var net: String?
    @Option(name: [.customShort("h"), .customLong("hostname")], help: "The container's host name (default: its short id).")
    var hostname: String?
    @Flag(help: "Mount the container's root file system read-only (/tmp and /dev stay writable).") var readOnly = false
    @Flag(help: "Run an init (tini) as PID 1 that passes signals on and reaps zombie processes.") var `init` = false
    @Option(help: ArgumentHelp("Seconds `lamina stop` waits before killing (default 10).", valueName: "seconds"))
    var stopTimeout: Int?
    @Option(help: ArgumentHelp("Pull the image: missing (default: when not in the store), always, or never.", valueName: "policy"))
    var pull: PullPolicy = .missing
    @OptionGroup(title: "Pulling") var registryOptions: RegistryOptions

    @Argument(help: "The image.", completion: .custom(Completion.images)) var image: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (default: the image's).")
    var command: [String] = []

    enum PullPolicy: String, ExpressibleByArgument, CaseIterable {
        case missing, always, never
    }

    func run() throws {
        let code: Int32 = try storeOptions.runProcess("lamina run") { store in
            let input = interactive ? STDIN_FILENO : -1
            if tty { try ContainerStore.checkTerminal(input: input) }
            var options = RunOptions(image: try imageInStore(store.images))
            options.command = command.first == "--" ? Array(command.dropFirst()) : command
            options.name = name
            options.detach = detach
            options.autoRemove = rm
            options.interactive = interactive
            options.terminal = tty
            options.environment = try envFile.flatMap { path throws(RuntimeError) in try EnvironmentFile.read(path) } + environment
            options.workingDirectory = workdir
            options.user = user
            options.volumes = try volumes.map { text throws(RuntimeError) in try VolumeMount(parsing: text) }
            options.entrypoint = entrypoint
            options.hostname = hostname
            options.readOnlyRoot = readOnly
            options.initProcess = self.`init`
            options.stopTimeout = stopTimeout
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

    /// The image to run: as the user named it when the store has it, else pulled first (with
    /// docker's "Unable to find image locally"), as `--pull` says.
    private func imageInStore(_ images: ImageStore) throws -> String {
        if pull != .always {
            do throws(ImageError) {
                _ = try images.resolve(image)
                return image
            } catch {
                guard case .imageNotFound = error else { throw error }
                if pull == .never { throw RuntimeError.imageNotFound(image) }
            }
            ErrorLine.print("Unable to find image '\(image)' locally")
        }
        let record = try registryOptions.pull(image, into: images)
        return record.name ?? record.manifest.digest.description
    }
}
