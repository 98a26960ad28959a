/// What `lamina exec` was asked for: a command to run beside a running container's process, in
/// its namespaces and on its file system.
///
/// Plain value; the CLI fills it in, `ContainerStore.exec` reads it.
public struct ExecOptions: Sendable {
    public var command: [String]
    public var interactive = false
    public var terminal = false
    /// `-d`: start it and return; its output goes nowhere.
    public var detach = false
    /// `-e K=V` (or `-e K`, from lamina's environment), added to the container's environment.
    public var environment: [String] = []
    /// `-w`: default, the container's working directory.
    public var workingDirectory: String?
    /// `-u USER[:GROUP]`: default, the container's user.
    public var user: String?

    public init(command: [String]) {
        self.command = command
    }
}
