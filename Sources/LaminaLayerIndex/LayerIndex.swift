import LaminaSystem

/// One layer read through its index file instead of its directory: names, listings, metadata,
/// xattrs, link targets and where each file's bytes are, from a read-only shared mapping, so every
/// mount of an image reads one copy of it from the page cache.
///
/// The file is checked once when it is opened (magic, version, size, checksum, and every offset and
/// count of every record); a file that fails any check is refused with `LayerIndexError.corrupt`.
/// Reads after that are bounds-checked as well. Thread safety: immutable after `init` (the mapping
/// is never written), so any number of threads may read at once.
public final class LayerIndex: @unchecked Sendable {
    /// Where the bytes live: a mapped file, or a buffer this object owns.
    private enum Storage {
        case mapped(MappedFile)
        case owned(UnsafeMutableRawBufferPointer)
    }

    private let storage: Storage
    let view: ByteView
    /// Where the index came from, for messages.
    public let path: String
    let sections: [(offset: Int, count: Int)]
    /// True when regular files' bytes are fetched by chunk (a lazy layer).
    public let isLazy: Bool

    /// Maps and checks the index file at `path`.
    public convenience init(path: String) throws(LayerIndexError) {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw .system(error.description)
        }
        try self.init(storage: .mapped(file), view: ByteView(raw: file.bytes), path: path)
    }

    /// Checks index bytes held in memory (a copy is kept).
    public convenience init(bytes: [UInt8], name: String = "(memory)") throws(LayerIndexError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        let raw = UnsafeRawBufferPointer(start: buffer.baseAddress, count: bytes.count)
        try self.init(storage: .owned(buffer), view: ByteView(raw: raw), path: name)
    }

    private init(storage: Storage, view: ByteView, path: String) throws(LayerIndexError) {
        self.storage = storage
        self.view = view
        self.path = path
        do {
            let header = try Self.checkHeader(view, path: path)
            sections = header.sections
            isLazy = header.flags & LayerIndexFormat.lazyFlag != 0
        } catch {
            if case .owned(let buffer) = storage { buffer.deallocate() }
            throw error
        }
        // Fully initialised from here: a failure runs deinit, which frees an owned buffer.
        try checkRecords()
    }

    deinit {
        if case .owned(let buffer) = storage { buffer.deallocate() }
    }

    /// Bytes of the index file.
    public var byteCount: Int { view.count }
    public var directoryCount: Int { sections[LayerIndexFormat.Section.directories.rawValue].count }
    public var fileCount: Int { sections[LayerIndexFormat.Section.files.rawValue].count }
    /// Names in all directories, whiteouts included.
    public var entryCount: Int { sections[LayerIndexFormat.Section.entries.rawValue].count }

    /// The byte offset of record `index` of `section` (the caller has checked `index`).
    @inline(__always)
    func record(_ section: LayerIndexFormat.Section, _ index: Int) -> Int {
        sections[section.rawValue].offset + index * section.recordSize
    }

    @inline(__always)
    func count(_ section: LayerIndexFormat.Section) -> Int { sections[section.rawValue].count }

    @inline(__always)
    var heapOffset: Int { sections[LayerIndexFormat.Section.heap.rawValue].offset }

    /// Heap bytes at `offset` (relative to the heap), empty when out of range.
    func heapSlice(_ offset: UInt32, _ length: Int) -> UnsafeRawBufferPointer {
        guard Int(offset) <= count(.heap), length <= count(.heap) - Int(offset) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return view.slice(heapOffset + Int(offset), length)
    }
}
