/// A host directory or file bound into a container (`-v HOST:CTR[:ro]`).
///
/// Immutable value, checked when parsed: both paths absolute, only `ro`/`rw` as a mode.
public struct VolumeMount: Sendable, Equatable {
    public var hostPath: String
    public var containerPath: String
    public var readOnly: Bool

    public init(parsing text: String) throws(RuntimeError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, parts[0].hasPrefix("/"), parts[1].hasPrefix("/") else {
            throw .invalidArgument("invalid volume '\(text)': expected /host/path:/container/path[:ro]")
        }
        hostPath = parts[0]
        containerPath = parts[1]
        switch parts.count == 3 ? parts[2] : "rw" {
        case "ro": readOnly = true
        case "rw": readOnly = false
        default: throw .invalidArgument("invalid volume mode in '\(text)': use ro or rw")
        }
    }
}
