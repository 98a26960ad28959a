#if canImport(Glibc)
import Glibc
#endif

extension LayerIndex {
    /// What `stat` shows of `file`.
    public func metadata(of file: LayerFileID) -> LayerFileMetadata {
        guard Int(file.rawValue) < count(.files) else { return LayerFileMetadata(kind: .regular, permissions: 0) }
        let base = record(.files, Int(file.rawValue))
        let kind = LayerEntryKind(rawValue: view.u8(base)) ?? .regular
        let word0 = view.u32(base + 48), word1 = view.u32(base + 52)
        let isDevice = kind == .characterDevice || kind == .blockDevice
        return LayerFileMetadata(
            kind: kind, permissions: mode_t(view.u32(base + 4) & 0o7777), uid: view.u32(base + 8), gid: view.u32(base + 12),
            size: Int64(clamping: view.u64(base + 40)),
            modificationSeconds: Int64(bitPattern: view.u64(base + 32)), modificationNanoseconds: view.u32(base + 28),
            deviceMajor: isDevice ? word0 : 0, deviceMinor: isDevice ? word1 : 0, linkCount: view.u32(base + 16))
    }

    /// The target of a symbolic link, as bytes (empty for other files).
    public func linkTarget(of file: LayerFileID) -> [UInt8] {
        guard Int(file.rawValue) < count(.files) else { return [] }
        let base = record(.files, Int(file.rawValue))
        guard view.u8(base) == LayerEntryKind.symbolicLink.rawValue else { return [] }
        return Array(heapSlice(view.u32(base + 48), Int(view.u32(base + 52))))
    }

    /// Every extended attribute of `file`, in the order the layer gave them.
    public func extendedAttributes(of file: LayerFileID) -> [LayerExtendedAttribute] {
        let (first, count) = xattrRange(of: file)
        return (first..<(first + count)).map { index in
            let base = record(.xattrs, index)
            return LayerExtendedAttribute(
                name: Array(heapSlice(view.u32(base), Int(view.u16(base + 12)))),
                value: Array(heapSlice(view.u32(base + 4), Int(view.u32(base + 8)))))
        }
    }

    /// The value of the extended attribute `name` of `file`, or nil when it has none of that name.
    public func extendedAttribute(_ name: [UInt8], of file: LayerFileID) -> [UInt8]? {
        let (first, count) = xattrRange(of: file)
        for index in first..<(first + count) {
            let base = record(.xattrs, index)
            if heapSlice(view.u32(base), Int(view.u16(base + 12))).elementsEqual(name) {
                return Array(heapSlice(view.u32(base + 4), Int(view.u32(base + 8))))
            }
        }
        return nil
    }

    /// Where the bytes of `file` come from.
    public func content(of file: LayerFileID) -> LayerFileContent {
        guard Int(file.rawValue) < count(.files) else { return .none }
        let base = record(.files, Int(file.rawValue))
        guard view.u8(base) == LayerEntryKind.regular.rawValue else { return .none }
        let word0 = view.u32(base + 48)
        guard word0 != LayerIndexFormat.noContent else { return view.u32(base + 52) == 1 ? .inDirectory : .none }
        guard Int(word0) < count(.contents) else { return .none }
        let contentBase = record(.contents, Int(word0))
        let first = Int(view.u32(contentBase)), chunkCount = Int(view.u32(contentBase + 4))
        let digest = view.u32(contentBase + 8) & LayerIndexFormat.hasDigestFlag != 0 ? view.bytes(contentBase + 16, 32) : nil
        let chunks = (first..<(first + chunkCount)).map { index in
            let chunkBase = record(.chunks, index)
            return LayerChunk(
                compressedOffset: view.u64(chunkBase), compressedLength: view.u64(chunkBase + 8),
                fileOffset: view.u64(chunkBase + 16), length: view.u64(chunkBase + 24), innerOffset: view.u64(chunkBase + 32),
                compression: LayerChunk.Compression(rawValue: view.u8(chunkBase + 72)) ?? .none,
                digest: view.u8(chunkBase + 73) & LayerIndexFormat.chunkHasDigestFlag != 0 ? view.bytes(chunkBase + 40, 32) : nil)
        }
        return .chunks(chunks, digest: digest)
    }

    private func xattrRange(of file: LayerFileID) -> (Int, Int) {
        guard Int(file.rawValue) < count(.files) else { return (0, 0) }
        let base = record(.files, Int(file.rawValue))
        let first = Int(view.u32(base + 20)), count = Int(view.u32(base + 24))
        guard first <= self.count(.xattrs), count <= self.count(.xattrs) - first else { return (0, 0) }
        return (first, count)
    }
}
