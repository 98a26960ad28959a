/// The part of an OCI runtime bundle's `config.json` Lamina writes.
///
/// https://github.com/opencontainers/runtime-spec/blob/main/config.md (and config-linux.md).
/// Only the fields Lamina sets are modelled; runc fills in the rest (default devices, seccomp
/// off). Plain `Codable` values.
struct RuntimeSpec: Codable, Sendable {
    var ociVersion = "1.0.2"
    var process: Process
    var root: Root
    var hostname: String
    var mounts: [Mount]
    var linux: Linux

    /// https://github.com/opencontainers/runtime-spec/blob/main/config.md#process
    struct Process: Codable, Sendable {
        var terminal: Bool
        var user: User
        var args: [String]
        var env: [String]
        var cwd: String
        var capabilities: Capabilities
        var noNewPrivileges: Bool
    }

    struct User: Codable, Sendable, Equatable {
        var uid: UInt32
        var gid: UInt32
        var additionalGids: [UInt32]?
    }

    struct Capabilities: Codable, Sendable {
        var bounding: [String]
        var effective: [String]
        var permitted: [String]
        var inheritable: [String]?
    }

    struct Root: Codable, Sendable {
        var path: String
        var readonly: Bool
    }

    /// https://github.com/opencontainers/runtime-spec/blob/main/config.md#mounts
    struct Mount: Codable, Sendable, Equatable {
        var destination: String
        var type: String
        var source: String
        var options: [String]?
    }

    /// https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md
    struct Linux: Codable, Sendable {
        var namespaces: [Namespace]
        var maskedPaths: [String]
        var readonlyPaths: [String]
        var resources: Resources
    }

    struct Namespace: Codable, Sendable, Equatable {
        var type: String
    }

    struct Resources: Codable, Sendable {
        var devices: [DeviceRule]
    }

    struct DeviceRule: Codable, Sendable {
        var allow: Bool
        var access: String
    }
}
