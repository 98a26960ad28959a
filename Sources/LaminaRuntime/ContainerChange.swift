/// One line of `lamina diff`: a path added, changed or deleted in a container, relative to its
/// image, as `podman diff` prints it (`A /new`, `C /etc`, `D /old`).
///
/// Immutable value.
public struct ContainerChange: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case added = "A"
        case changed = "C"
        case deleted = "D"
    }

    public var kind: Kind
    /// Absolute path inside the container.
    public var path: String

    public var description: String { "\(kind.rawValue) \(path)" }
}
