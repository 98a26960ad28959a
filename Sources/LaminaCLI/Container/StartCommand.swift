import ArgumentParser
import LaminaRuntime
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// `lamina start`: runs stopped containers' processes again, on the writable layers they left.
struct StartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start stopped containers.",
        discussion: """
            Each runs its command again in the background (the log keeps growing), or with -a in the foreground, \
            ending with the container's exit code. A running container is left as it is.
            """)

    @OptionGroup var storeOptions: ContainerStoreOptions

    @Flag(name: .shortAndLong, help: "Stay attached: relay output and signals, and exit with the container's code.") var attach = false
    @Flag(name: .shortAndLong, help: "Attach standard input (implies -a).") var interactive = false

    @Argument(help: "Containers (name or id).", completion: .custom(Completion.containers)) var containers: [String]

    func validate() throws {
        if (attach || interactive) && containers.count > 1 { throw ValidationError("-a and -i start one container at a time") }
    }

    func run() throws {
        let attached = attach || interactive
        let code: Int32 = try storeOptions.runProcess("lamina start") { store in
            for container in containers {
                guard let record = try store.prepareStart(container, attached: attached) else {
                    print(container)
                    continue
                }
                guard attached else {
                    try store.startDetached(record)
                    print(container)
                    continue
                }
                let null = try MountCalls.openReadWrite("/dev/null")
                defer { MountCalls.close(null) }
                return try store.start(record, streams: (interactive ? STDIN_FILENO : null, STDOUT_FILENO, STDERR_FILENO))
            }
            return 0
        }
        if code != 0 { throw ExitCode(code) }
    }
}
