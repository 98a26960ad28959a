/// What a container is doing now, probed from runc, its monitor process, its exit record and its
/// rootfs mount — never from a stored flag, so it is true after any crash.
///
/// Immutable value.
public struct ContainerStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Made, but its process has not started (or is starting).
        case created
        case running
        /// Its process ended; `exitCode` is nil when nobody was left to record it (the monitor was killed).
        case exited
    }

    public var state: State
    public var exitCode: Int32?
    /// The container's init process, as the host sees it, while running.
    public var pid: Int32?
    public var mount: MountHealth
    /// Whether the process that records the exit (`lamina run` or its monitor) is alive.
    public var monitorAlive: Bool

    /// One phrase for `lamina ps`: "Up", "Exited (0)", "Exited (unknown)", "Up (rootfs mount lost)".
    public var summary: String {
        switch state {
        case .created: return "Created"
        case .running: return mount == .mounted ? "Up" : "Up (rootfs mount lost)"
        case .exited:
            let code = exitCode.map { "Exited (\($0))" } ?? "Exited (unknown)"
            return mount == .stale ? code + ", stale mount" : code
        }
    }
}
