import ArgumentParser

/// `lamina container`: the container commands under their noun, as `docker container ...` has
/// them (`lamina container ls` is `lamina ps`). The same commands are at the top level.
struct ContainerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container",
        abstract: "Run and manage containers (the same commands as at the top level).",
        subcommands: [
            RunCommand.self, ExecCommand.self, StartCommand.self, RestartCommand.self, StopCommand.self, KillCommand.self,
            RemoveCommand.self, ListContainersCommand.self, LogsCommand.self, InspectCommand.self, CopyCommand.self,
            DiffCommand.self, CommitCommand.self,
        ])
}
