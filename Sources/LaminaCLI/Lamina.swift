import ArgumentParser

/// The `lamina` command: images, mounts and containers, with the verbs and short forms docker
/// and podman users type (`images`, `pull`, `rmi`, `exec`...).
public struct Lamina: ParsableCommand {
    public static let version = "0.3.0"

    public static let configuration = CommandConfiguration(
        commandName: "lamina",
        abstract: "A union filesystem for container images, with a docker-like command line.",
        version: "lamina version \(version)",
        subcommands: [
            RunCommand.self, ExecCommand.self, StartCommand.self, RestartCommand.self, StopCommand.self,
            KillCommand.self, RemoveCommand.self, ListContainersCommand.self, LogsCommand.self, InspectCommand.self,
            CopyCommand.self, DiffCommand.self, CommitCommand.self,
            ImagesCommand.self, ImagePull.self, ImagePush.self, RemoveImagesCommand.self, ImageTag.self, SaveCommand.self,
            LoadCommand.self,
            ImageCommand.self, ContainerCommand.self, MountCommand.self, UnmountCommand.self, Bench.self,
            ContainerMonitorCommand.self, ContainerRootlessCommand.self,
        ]
    )
    public init() {}

    /// Runs the command line with docker's exit statuses for lamina's own failures: an unknown
    /// command names itself, and usage errors (a bad flag, a missing argument) exit 125.
    public static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let unknown = CommandLineCheck.unknownCommand(in: arguments, of: Lamina.self) {
            ErrorLine.print("lamina: '\(unknown.word)' is not a \(unknown.parent) command (see `\(unknown.parent) --help`)")
            Self.exit(withError: ExitCode(125))
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            guard !(error is ExitCode), exitCode(for: error) == .validationFailure else { Self.exit(withError: error) }
            ErrorLine.print(fullMessage(for: error))
            Self.exit(withError: ExitCode(125))
        }
    }
}
