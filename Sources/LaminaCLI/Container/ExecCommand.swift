import ArgumentParser
import LaminaRuntime
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// `lamina exec CONTAINER CMD...`: a command beside a running container's process, in its
/// namespaces and on its file system, as `docker exec`.
struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command in a running container.",
        discussion: """
            The command starts from the container's environment, working directory and user. Its exit code is \
            lamina's; 126 when it cannot be run, 127 when it does not exist, 125 when lamina fails.
            """)

    @OptionGroup var storeOptions: ContainerStoreOptions

    @Flag(name: .shortAndLong, help: "Keep standard input open.") var interactive = false
    @Flag(name: [.customShort("t"), .customLong("tty")], help: "Give the command a terminal (lamina must have one).") var tty = false
    @Flag(name: .shortAndLong, help: "Start the command in the background and return.") var detach = false
    @Option(name: [.customShort("e"), .customLong("env")], help: ArgumentHelp("Set an environment variable (K alone: lamina's value).", valueName: "K=V"))
    var environment: [String] = []
    @Option(name: [.customShort("w"), .customLong("workdir")], help: "Working directory (default: the container's).") var workdir: String?
    @Option(name: .shortAndLong, help: ArgumentHelp("User to run as (default: the container's).", valueName: "user[:group]"))
    var user: String?

    @Argument(help: "The container (name or id).", completion: .custom(Completion.containers)) var container: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String] = []

    func run() throws {
        let code: Int32 = try storeOptions.runProcess("lamina exec") { store in
            var options = ExecOptions(command: command.first == "--" ? Array(command.dropFirst()) : command)
            options.interactive = interactive
            options.terminal = tty
            options.detach = detach
            options.environment = environment
            options.workingDirectory = workdir
            options.user = user
            let null = try MountCalls.openReadWrite("/dev/null")
            defer { MountCalls.close(null) }
            return try store.exec(container, options, streams: (interactive ? STDIN_FILENO : null, STDOUT_FILENO, STDERR_FILENO))
        }
        if code != 0 { throw ExitCode(code) }
    }
}
