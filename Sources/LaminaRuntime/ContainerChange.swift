import LaminaSystem

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
    /// Absolute path inside the container, as text made from its names' bytes one-to-one
    /// (`ByteText.unambiguous`): UTF-8 names as they are (NFC and NFD spellings stay different
    /// bytes), any other byte as `\xNN`, and a backslash as `\\`, so two different paths never
    /// print the same.
    public var path: String

    public init(kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }

    /// The change of the path whose names from the root are `components`.
    init(kind: Kind, components: [FileName]) {
        self.init(kind: kind, path: "/" + components.map { ByteText.unambiguous($0.bytes) }.joined(separator: "/"))
    }

    public var description: String { "\(kind.rawValue) \(path)" }
}
