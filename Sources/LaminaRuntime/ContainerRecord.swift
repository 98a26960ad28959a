/// What the store keeps about one container (`containers/ID/container.json`): where it came
/// from, how it runs, and which processes serve it. Its live state (running, exited, mount
/// health) is never stored here but probed each time (`ContainerStore+Status`), so it cannot lie
/// after a crash.
///
/// Value type, written whole with an atomic rename under the container's lock.
public struct ContainerRecord: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// The image as the user named it, and its id (config digest) at creation.
    public var image: String
    public var imageID: String
    /// The image's unpacked layer directories, top-most first.
    public var lowerDirectories: [String]
    /// The process's argument vector, as config.json has it.
    public var command: [String]
    /// RFC 3339 creation time.
    public var created: String
    public var terminal: Bool
    public var detached: Bool
    public var autoRemove: Bool
    public var mounter: RootfsMounter.Kind
    /// The process that runs `runc run` and records the exit code (`lamina run` or its monitor).
    public var monitor: ProcessIdentity?
    /// The FUSE daemon serving the rootfs mount, if any.
    public var mountDaemon: ProcessIdentity?
    /// Where runc mounts file systems (/proc, /dev, volumes...): runc creates these paths in the
    /// writable layer when the image lacks them, and they are not the container's changes.
    public var mountTargets: [String]?
    /// Set for a plain user's container: the ids of the user namespace its mount and runc run in
    /// (`RootlessIdentity`). Its rootfs is mounted only inside that namespace, while it runs.
    public var rootless: RootlessIdentity?
    /// Seconds `lamina stop` waits before SIGKILL when not told (`run --stop-timeout`).
    public var stopTimeout: Int?

    public var shortID: String { String(id.prefix(12)) }
}

/// How a container's process ended (`containers/ID/exit.json`), written by its monitor.
///
/// Immutable value.
public struct ExitRecord: Codable, Sendable, Equatable {
    /// The exit status, or 128 + the signal that ended it.
    public var exitCode: Int32
    public var finished: String
    /// Why the process never started (runc's failure, translated), when it did not.
    public var failure: String?
}
