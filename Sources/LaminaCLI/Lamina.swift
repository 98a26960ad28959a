import ArgumentParser

/// The `lamina` command: images, mounts and containers.
public struct Lamina: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lamina",
        abstract: "A union filesystem for container images.",
        subcommands: []
    )
    public init() {}
}
