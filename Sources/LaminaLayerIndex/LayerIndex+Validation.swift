extension LayerIndex {
    typealias Section = LayerIndexFormat.Section

    struct Header {
        var flags: UInt32
        var sections: [(offset: Int, count: Int)]
    }

    /// Checks the header: magic, version, the size it records, the checksum, and that every section
    /// lies inside the file, in order, without overlapping.
    static func checkHeader(_ view: ByteView, path: String) throws(LayerIndexError) -> Header {
        func corrupt(_ reason: String) -> LayerIndexError { .corrupt(path: path, reason: reason) }
        guard view.count >= LayerIndexFormat.headerSize else { throw corrupt("\(view.count) bytes, shorter than its header") }
        guard view.bytes(0, 8) == LayerIndexFormat.magic else { throw corrupt("not a layer index (bad magic)") }
        let version = view.u16(LayerIndexFormat.versionOffset)
        guard version == LayerIndexFormat.version else { throw corrupt("version \(version), this program reads \(LayerIndexFormat.version)") }
        guard Int(view.u16(LayerIndexFormat.headerSizeOffset)) == LayerIndexFormat.headerSize else { throw corrupt("bad header size") }
        let recorded = view.u64(LayerIndexFormat.fileSizeOffset)
        guard recorded == UInt64(view.count) else { throw corrupt("\(view.count) bytes, its header says \(recorded) (truncated?)") }
        let checksum = IndexHashing.checksum(view.raw, skipping: LayerIndexFormat.checksumOffset)
        guard checksum == view.u64(LayerIndexFormat.checksumOffset) else { throw corrupt("checksum mismatch") }
        var sections: [(offset: Int, count: Int)] = []
        var end = LayerIndexFormat.headerSize
        for section in Section.allCases {
            let entry = LayerIndexFormat.sectionTableOffset + section.rawValue * LayerIndexFormat.sectionEntrySize
            let offset = view.u64(entry)
            let count = view.u64(entry + 8)
            guard offset <= UInt64(view.count), count <= UInt64(UInt32.max), offset % 8 == 0, Int(offset) >= end else {
                throw corrupt("\(section) section is out of place")
            }
            let length = Int(count) * section.recordSize
            guard view.contains(Int(offset), length) else { throw corrupt("\(section) section runs past the end of the file") }
            sections.append((Int(offset), Int(count)))
            end = Int(offset) + length
        }
        guard sections[Section.directories.rawValue].count >= 1, sections[Section.files.rawValue].count >= 1 else {
            throw corrupt("no root directory")
        }
        return Header(flags: view.u32(LayerIndexFormat.flagsOffset), sections: sections)
    }

    /// Checks every record: each index it holds points at a record that exists, each heap range is
    /// inside the heap, each kind is known, names are names, and each directory's table can answer
    /// a lookup (it has an empty slot, and its slots point at its own entries).
    func checkRecords() throws(LayerIndexError) {
        func corrupt(_ reason: String) -> LayerIndexError { .corrupt(path: path, reason: reason) }
        let directories = count(.directories), entries = count(.entries), slots = count(.slots)
        let files = count(.files), xattrs = count(.xattrs), contents = count(.contents), chunks = count(.chunks)

        for index in 0..<directories {
            let base = record(.directories, index)
            let file = Int(view.u32(base)), parent = Int(view.u32(base + 4))
            let first = Int(view.u32(base + 8)), entryCount = Int(view.u32(base + 12))
            let firstSlot = Int(view.u32(base + 16)), slotCount = Int(view.u32(base + 20))
            guard file < files, parent < directories, first <= entries, entryCount <= entries - first,
                firstSlot <= slots, slotCount <= slots - firstSlot
            else { throw corrupt("directory \(index) points outside the index") }
            let fileBase = record(.files, file)
            guard view.u8(fileBase) == LayerEntryKind.directory.rawValue, Int(view.u32(fileBase + 48)) == index else {
                throw corrupt("directory \(index) and its file \(file) disagree")
            }
            guard (entryCount == 0 && slotCount == 0) || (slotCount > entryCount && slotCount & (slotCount - 1) == 0) else {
                throw corrupt("directory \(index) has a bad name table")
            }
            for slot in 0..<slotCount where Int(view.u32(record(.slots, firstSlot + slot))) > entryCount {
                throw corrupt("directory \(index) has a name slot outside its entries")
            }
        }

        for index in 0..<entries {
            let base = record(.entries, index)
            let name = heapSlice(view.u32(base), Int(view.u8(base + 12)))
            guard !name.isEmpty, !name.contains(0), !name.contains(UInt8(ascii: "/")) else {
                throw corrupt("entry \(index) has a bad name")
            }
            guard let kind = LayerEntryKind(rawValue: view.u8(base + 13)) else { throw corrupt("entry \(index) has an unknown kind") }
            let file = view.u32(base + 4)
            if kind == .whiteout {
                guard file == LayerIndexFormat.noFile else { throw corrupt("whiteout entry \(index) names a file") }
            } else {
                guard Int(file) < files, view.u8(record(.files, Int(file))) == kind.rawValue else {
                    throw corrupt("entry \(index) and its file disagree")
                }
            }
        }

        var contentLengths: [UInt64] = []
        contentLengths.reserveCapacity(contents)
        for index in 0..<contents {
            let base = record(.contents, index)
            let first = Int(view.u32(base)), chunkCount = Int(view.u32(base + 4))
            guard first <= chunks, chunkCount <= chunks - first else { throw corrupt("content \(index) has chunks outside the index") }
            var next: UInt64 = 0
            for chunk in first..<(first + chunkCount) {
                let chunkBase = record(.chunks, chunk)
                guard view.u64(chunkBase + 16) == next, LayerChunk.Compression(rawValue: view.u8(chunkBase + 72)) != nil else {
                    throw corrupt("content \(index) has chunks out of order")
                }
                let (sum, overflow) = next.addingReportingOverflow(view.u64(chunkBase + 24))
                guard !overflow else { throw corrupt("content \(index) is too long") }
                next = sum
            }
            contentLengths.append(next)
        }

        for index in 0..<files {
            let base = record(.files, index)
            guard let kind = LayerEntryKind(rawValue: view.u8(base)), kind != .whiteout else {
                throw corrupt("file \(index) has an unknown kind")
            }
            let firstXattr = Int(view.u32(base + 20)), xattrCount = Int(view.u32(base + 24))
            guard firstXattr <= xattrs, xattrCount <= xattrs - firstXattr else { throw corrupt("file \(index) has xattrs outside the index") }
            guard view.u32(base + 28) < 1_000_000_000 else { throw corrupt("file \(index) has a bad time") }
            let word0 = view.u32(base + 48), word1 = view.u32(base + 52)
            switch kind {
            case .directory:
                guard Int(word0) < directories else { throw corrupt("file \(index) names no directory") }
            case .symbolicLink:
                guard heapSlice(word0, Int(word1)).count == Int(word1) else { throw corrupt("file \(index) has a link target outside the heap") }
            case .regular:
                guard word0 == LayerIndexFormat.noContent || Int(word0) < contents else { throw corrupt("file \(index) names no content") }
                if word0 != LayerIndexFormat.noContent, contentLengths[Int(word0)] != view.u64(base + 40) {
                    throw corrupt("file \(index) has chunks of another length than the file")
                }
            default:
                break
            }
        }

        for index in 0..<xattrs {
            let base = record(.xattrs, index)
            let nameLength = Int(view.u16(base + 12)), valueLength = Int(view.u32(base + 8))
            guard nameLength > 0, heapSlice(view.u32(base), nameLength).count == nameLength,
                heapSlice(view.u32(base + 4), valueLength).count == valueLength
            else { throw corrupt("xattr \(index) lies outside the heap") }
        }
    }
}
