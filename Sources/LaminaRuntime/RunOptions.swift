/// What `lamina run` was asked for, independent of how the command line spelled it.
///
/// Plain value; the CLI fills it in, `ContainerStore.create` reads it.
public struct RunOptions: Sendable {
    public var image: String
    /// Arguments after the image: they replace the image's Cmd.
    public var command: [String] = []
    public var name: String?
    public var detach = false
    public var autoRemove = false
    public var interactive = false
    public var terminal = false
    /// `-e K=V` (or `-e K`, taking K from lamina's own environment).
    public var environment: [String] = []
    public var workingDirectory: String?
    public var user: String?
    public var volumes: [VolumeMount] = []
    /// `--entrypoint`: replaces the image's Entrypoint; the empty string clears it.
    public var entrypoint: String?
    public var hostNetwork = false
    /// `--hostname` (default: the short id).
    public var hostname: String?
    /// `--read-only`: the root file system is mounted read-only (/tmp and /dev stay writable).
    public var readOnlyRoot = false
    /// `--init`: a small init (tini) runs as PID 1, passes signals on and reaps zombies.
    public var initProcess = false
    /// `--stop-timeout`: seconds `lamina stop` waits before SIGKILL (default 10).
    public var stopTimeout: Int?

    public init(image: String) {
        self.image = image
    }
}
