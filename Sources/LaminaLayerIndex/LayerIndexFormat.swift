/// The layout of a layer index file, version 1: the one place its byte offsets are written down.
///
/// All integers are little-endian. The file is a 160-byte header followed by seven sections of
/// fixed-size records and one byte heap, each starting at an offset the header gives (8-byte
/// aligned), in this order. `docs/store-format.md` describes the same layout for people.
///
/// ```
/// header       160 bytes   magic "LAMINAIX", version, flags, size, checksum, (offset, count) of each section
/// directories   32 bytes each   file, parent, first entry, entry count, first slot, slot count, flags
/// entries       16 bytes each   name (heap offset, length), hash, kind, file
/// slots          4 bytes each   per-directory open-addressing tables: entry position + 1, 0 = empty
/// files         64 bytes each   kind, mode, uid, gid, links, xattrs, mtime, size, kind-specific words
/// xattrs        16 bytes each   name and value (heap offsets and lengths)
/// contents      48 bytes each   a lazily fetched file: its chunks and whole-file SHA-256
/// chunks        80 bytes each   compressed and uncompressed ranges, inner offset, SHA-256, compression
/// heap          bytes           names, symbolic link targets, xattr names and values
/// ```
/// Namespace of constants; no state.
enum LayerIndexFormat {
    static let magic: [UInt8] = Array("LAMINAIX".utf8)
    static let version: UInt16 = 1
    static let headerSize = 160

    // Header field offsets.
    static let versionOffset = 8
    static let headerSizeOffset = 10
    static let flagsOffset = 12
    static let fileSizeOffset = 16
    static let checksumOffset = 24
    /// Section table: (offset u64, count u64) per section, in `Section` order, from byte 32.
    static let sectionTableOffset = 32
    static let sectionEntrySize = 16

    /// The sections in file order; their raw values index the section table. The heap's count is
    /// its size in bytes.
    enum Section: Int, CaseIterable {
        case directories, entries, slots, files, xattrs, contents, chunks, heap
        var recordSize: Int {
            switch self {
            case .directories: 32
            case .entries: 16
            case .slots: 4
            case .files: 64
            case .xattrs: 16
            case .contents: 48
            case .chunks: 80
            case .heap: 1
            }
        }
    }

    /// Header flag: regular files' bytes are fetched by chunk (a lazy layer), not read from a directory.
    static let lazyFlag: UInt32 = 1

    /// Directory record flag: the directory is opaque in this layer.
    static let opaqueFlag: UInt32 = 1

    /// File record: content word value meaning "no content record".
    static let noContent = UInt32.max
    /// Entry record: file value of a whiteout (it names no file).
    static let noFile = UInt32.max

    /// Content record flag: the whole-file digest is present.
    static let hasDigestFlag: UInt32 = 1
    /// Chunk record flag: the chunk digest is present.
    static let chunkHasDigestFlag: UInt8 = 1

    static func aligned(_ value: Int) -> Int { (value + 7) & ~7 }
}
