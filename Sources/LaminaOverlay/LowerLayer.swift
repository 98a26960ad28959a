import LaminaLayerIndex
import LaminaSystem

/// One lower layer of a mount as the caller describes it: an unpacked directory, a directory read
/// through its layer index (names, whiteouts and metadata from the mapped index, file data from the
/// directory), or a layer that has no directory at all (a lazily pulled one: file data from a
/// content provider).
///
/// Thread safety: an immutable value.
public struct LowerLayer: Sendable {
    /// The unpacked tree (nil for a layer that has none).
    public var directory: String?
    /// The layer's index, when names and metadata are to be read through it.
    public var index: LayerIndex?
    /// Where the bytes of files the directory does not hold come from.
    public var content: (any LayerContentProvider)?

    public init(directory: String?, index: LayerIndex? = nil, content: (any LayerContentProvider)? = nil) {
        self.directory = directory
        self.index = index
        self.content = content
    }

    /// An unpacked directory read as it is.
    public static func directory(_ path: String) -> LowerLayer { LowerLayer(directory: path) }
}

/// Where the bytes of a lazily fetched layer's files come from: the image store's lazy layers
/// conform. The engine asks it for a file the first time someone reads the file, from a FUSE
/// thread.
public protocol LayerContentProvider: Sendable {
    /// An open read-only descriptor of the whole, verified content of `file` (a regular file of
    /// the layer). May block while the bytes are fetched, never forever: after its retries it
    /// throws (EIO), and it never answers other bytes.
    func contentDescriptor(of file: LayerFileID) throws(SystemError) -> FileDescriptor
}
