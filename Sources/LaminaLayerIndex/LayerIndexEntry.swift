import LaminaSystem

/// One name in a directory of a layer: what it is, and the file it names (none for a whiteout).
///
/// Immutable value, copied out of the index.
public struct LayerIndexEntry: Sendable, Equatable {
    public var name: FileName
    public var kind: LayerEntryKind
    /// The file the name refers to; nil for a whiteout.
    public var file: LayerFileID?

    public init(name: FileName, kind: LayerEntryKind, file: LayerFileID?) {
        self.name = name
        self.kind = kind
        self.file = file
    }
}
