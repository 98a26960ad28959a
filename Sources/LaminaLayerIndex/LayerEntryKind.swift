#if canImport(Glibc)
import Glibc
#endif

/// What a name in a layer is: a file of one of the seven POSIX types, or a whiteout (the layer
/// deletes that name from the layers below).
///
/// Stored as one byte in the index; the raw values are part of the on-disk format.
public enum LayerEntryKind: UInt8, Sendable, CaseIterable {
    case regular = 1
    case directory = 2
    case symbolicLink = 3
    case characterDevice = 4
    case blockDevice = 5
    case fifo = 6
    case socket = 7
    case whiteout = 8

    /// The `S_IF*` bits of this kind (a whiteout has none: it is no file).
    public var fileTypeBits: mode_t {
        switch self {
        case .regular: S_IFREG
        case .directory: S_IFDIR
        case .symbolicLink: S_IFLNK
        case .characterDevice: S_IFCHR
        case .blockDevice: S_IFBLK
        case .fifo: S_IFIFO
        case .socket: S_IFSOCK
        case .whiteout: 0
        }
    }

    /// The kind named by the `S_IF*` bits of a mode; nil for bits that name no file type.
    public init?(fileTypeBits mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        default: return nil
        }
    }
}
