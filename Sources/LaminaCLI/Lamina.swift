import ArgumentParser

/// The `lamina` command: images, mounts and containers.
public struct Lamina: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lamina",
        abstract: "A union filesystem for container images.",
        subcommands: [
            Bench.self, MountCommand.self, UnmountCommand.self, ImageCommand.self,
            RunCommand.self, ListContainersCommand.self, StopCommand.self, KillCommand.self, RemoveCommand.self,
            LogsCommand.self, DiffCommand.self, CommitCommand.self, ContainerMonitorCommand.self, ContainerRootlessCommand.self,
        ]
    )
    public init() {}
}
