/// A file of one layer: its position in the index's file table, which is also its inode ordinal
/// within the layer. Every name of a hard link carries the same id.
///
/// Stable for a given index file (ids are given in listing order, root first, when the index is
/// written). Immutable value.
public struct LayerFileID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static func < (left: LayerFileID, right: LayerFileID) -> Bool { left.rawValue < right.rawValue }

    public var description: String { "file \(rawValue)" }
}

/// A directory of one layer: its position in the index's directory table (the root is 0).
///
/// Immutable value.
public struct LayerDirectoryID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let root = LayerDirectoryID(rawValue: 0)

    public var description: String { "directory \(rawValue)" }
}
