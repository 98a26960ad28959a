/// Why a layer index could not be written or read. One line for the user, naming the file or path.
///
/// A corrupt or truncated index is refused when it is opened (never a crash): `corrupt` says
/// which part was wrong.
public enum LayerIndexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not a layer index of a version this program reads, or fails a check.
    case corrupt(path: String, reason: String)
    /// A path added to the builder cannot be placed (a duplicate, a parent that is not a directory,
    /// a hard link to something that is not an earlier file).
    case invalidEntry(path: String, reason: String)
    /// Reading the layer (its directory or file) failed.
    case system(String)

    public var description: String {
        switch self {
        case .corrupt(let path, let reason): "layer index \(path) is corrupt: \(reason)"
        case .invalidEntry(let path, let reason): "layer entry '\(path)': \(reason)"
        case .system(let message): message
        }
    }
}
