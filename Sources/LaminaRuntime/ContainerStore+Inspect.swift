extension ContainerStore {
    /// `lamina inspect`: what the store knows of a container and what it is doing now, in the
    /// shape of `docker inspect` (the fields docker users script against keep docker's names).
    public func inspect(_ text: String) throws(RuntimeError) -> ContainerDetails {
        let record = try find(text)
        let status = status(of: record)
        let spec = try? runtimeSpec(of: record)
        let exit = exitRecord(record.id)
        let mounts = (spec?.mounts ?? []).filter { $0.type == "bind" }.map { mount in
            ContainerDetails.Mount(
                type: "bind", source: mount.source, destination: mount.destination,
                readWrite: !(mount.options ?? []).contains("ro"))
        }
        return ContainerDetails(
            id: record.id, name: record.name, created: record.created,
            path: record.command.first ?? "", arguments: Array(record.command.dropFirst()),
            state: ContainerDetails.State(
                status: status.state.rawValue, running: status.state == .running, pid: status.pid ?? 0,
                exitCode: status.exitCode ?? 0, error: exit?.failure ?? "", finishedAt: exit?.finished ?? "",
                mount: status.mount.rawValue),
            image: record.imageID, logPath: logPath(record.id), rootfs: rootfs(record.id),
            config: ContainerDetails.Config(
                hostname: spec?.hostname ?? record.shortID, user: spec.map { "\($0.process.user.uid):\($0.process.user.gid)" } ?? "",
                env: spec?.process.env ?? [], command: record.command, workingDirectory: spec?.process.cwd ?? "/",
                terminal: record.terminal, image: record.image, stopTimeout: record.stopTimeout ?? 10),
            hostConfig: ContainerDetails.HostConfig(
                readOnlyRootfs: spec?.root.readonly ?? false,
                networkMode: spec?.linux.namespaces.contains { $0.type == "network" } == false ? "host" : "none",
                autoRemove: record.autoRemove,
                initProcess: spec?.process.args.first == InitProcess.path),
            mounts: mounts, layers: record.lowerDirectories, mounter: record.mounter.rawValue)
    }
}

/// A container as `lamina inspect` shows it: docker's field names (`Id`, `State.ExitCode`,
/// `Config.Env`...), so `--format '{{.State.Pid}}'` reads as it does with docker.
///
/// Immutable value, encoded as JSON.
public struct ContainerDetails: Codable, Sendable {
    public var id: String
    public var name: String
    public var created: String
    public var path: String
    public var arguments: [String]
    public var state: State
    /// The image's id (its config digest).
    public var image: String
    public var logPath: String
    /// The merged view's mount point (the bundle's root).
    public var rootfs: String
    public var config: Config
    public var hostConfig: HostConfig
    public var mounts: [Mount]
    /// The image's layer directories, top-most first.
    public var layers: [String]
    public var mounter: String

    enum CodingKeys: String, CodingKey {
        case id = "Id", name = "Name", created = "Created", path = "Path", arguments = "Args", state = "State"
        case image = "Image", logPath = "LogPath", rootfs = "Rootfs", config = "Config", hostConfig = "HostConfig"
        case mounts = "Mounts", layers = "Layers", mounter = "Mounter"
    }

    /// What the container is doing now (`State.Status`, `State.Pid`, `State.ExitCode`...).
    public struct State: Codable, Sendable {
        public var status: String
        public var running: Bool
        public var pid: Int32
        public var exitCode: Int32
        /// Why the process never started, when runc could not start it.
        public var error: String
        public var finishedAt: String
        /// The rootfs mount: mounted, stale (its daemon is gone) or absent.
        public var mount: String

        enum CodingKeys: String, CodingKey {
            case status = "Status", running = "Running", pid = "Pid", exitCode = "ExitCode", error = "Error"
            case finishedAt = "FinishedAt", mount = "Mount"
        }
    }

    /// How its process runs (`Config.Env`, `Config.Cmd`, `Config.Hostname`...).
    public struct Config: Codable, Sendable {
        public var hostname: String
        public var user: String
        public var env: [String]
        public var command: [String]
        public var workingDirectory: String
        public var terminal: Bool
        /// The image as the user named it.
        public var image: String
        public var stopTimeout: Int

        enum CodingKeys: String, CodingKey {
            case hostname = "Hostname", user = "User", env = "Env", command = "Cmd", workingDirectory = "WorkingDir"
            case terminal = "Tty", image = "Image", stopTimeout = "StopTimeout"
        }
    }

    /// What the host gives it (`HostConfig.ReadonlyRootfs`, `HostConfig.Init`...).
    public struct HostConfig: Codable, Sendable {
        public var readOnlyRootfs: Bool
        public var networkMode: String
        public var autoRemove: Bool
        public var initProcess: Bool

        enum CodingKeys: String, CodingKey {
            case readOnlyRootfs = "ReadonlyRootfs", networkMode = "NetworkMode", autoRemove = "AutoRemove", initProcess = "Init"
        }
    }

    /// A host path bound into it (`-v`).
    public struct Mount: Codable, Sendable {
        public var type: String
        public var source: String
        public var destination: String
        public var readWrite: Bool

        enum CodingKeys: String, CodingKey {
            case type = "Type", source = "Source", destination = "Destination", readWrite = "RW"
        }
    }
}
