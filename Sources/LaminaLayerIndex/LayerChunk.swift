/// One piece of a lazily fetched file: where its compressed bytes sit in the layer blob, which
/// bytes of the file it holds once decompressed, and the SHA-256 its uncompressed bytes must have.
///
/// A chunk is one compressed frame (a zstd frame, a gzip member) or part of one: `innerOffset`
/// uncompressed bytes of the frame come before the chunk's own (eStargz chunks that share a
/// member). Immutable value.
public struct LayerChunk: Sendable, Equatable, Hashable {
    public enum Compression: UInt8, Sendable {
        case none = 0
        case zstd = 1
        case gzip = 2
    }

    /// Offset of the compressed frame in the blob.
    public var compressedOffset: UInt64
    /// Bytes of the compressed frame.
    public var compressedLength: UInt64
    /// Offset of the chunk's bytes in the file.
    public var fileOffset: UInt64
    /// Uncompressed bytes of the chunk.
    public var length: UInt64
    /// Uncompressed bytes of the frame before the chunk's own.
    public var innerOffset: UInt64
    public var compression: Compression
    /// SHA-256 of the chunk's uncompressed bytes (32 bytes), when the table of contents gives one.
    public var digest: [UInt8]?

    public init(
        compressedOffset: UInt64, compressedLength: UInt64, fileOffset: UInt64, length: UInt64,
        innerOffset: UInt64 = 0, compression: Compression, digest: [UInt8]?
    ) {
        self.compressedOffset = compressedOffset
        self.compressedLength = compressedLength
        self.fileOffset = fileOffset
        self.length = length
        self.innerOffset = innerOffset
        self.compression = compression
        self.digest = digest
    }
}

/// Where a regular file's bytes come from.
///
/// Immutable value.
public enum LayerFileContent: Sendable, Equatable {
    /// Not a regular file, or an empty one: nothing to read.
    case none
    /// The file of the same path in the layer's unpacked directory.
    case inDirectory
    /// Fetched from the layer blob by chunks (in file order, covering the file), checked against
    /// each chunk's digest and the whole file's SHA-256 (32 bytes) where the table of contents gives them.
    case chunks([LayerChunk], digest: [UInt8]?)
}
