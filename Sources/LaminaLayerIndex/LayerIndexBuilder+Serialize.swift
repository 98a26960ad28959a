import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension LayerIndexBuilder {
    /// The index file's bytes (format in `LayerIndexFormat`). Directories are numbered breadth-first
    /// from the root, their entries sorted by name bytes; files are numbered in that listing order
    /// (the root is 0; a hard link takes the number of its first name).
    public func serialized() -> [UInt8] {
        var layout = Layout()
        layout.place(self)
        return layout.write(self)
    }

    /// Writes the index to `path` through a temporary name beside it (fsync'd, then renamed), so a
    /// reader never maps a partial file.
    public func write(to path: String) throws(LayerIndexError) {
        let bytes = serialized()
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do throws(SystemError) {
            let descriptor = try FileDescriptor.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
            defer { descriptor.close() }
            try descriptor.write(bytes, at: 0)
            try descriptor.synchronize()
            try PosixCall.rename(temporary, to: path)
        } catch {
            try? PosixCall.unlink(temporary)
            throw .system(error.description)
        }
    }
}

/// Where every record of an index goes: the numbering pass before writing.
private struct Layout {
    struct Directory {
        var file: Int
        var parent: Int
        var entries: [(name: FileName, child: LayerIndexBuilder.Child)]
    }

    var directories: [Directory] = []
    /// Builder file position -> file id.
    var fileIDs: [Int: UInt32] = [:]
    /// File ids in order -> builder file position.
    var fileOrder: [Int] = []
    /// Builder file position of a directory -> directory id.
    var directoryIDs: [Int: UInt32] = [:]

    mutating func place(_ builder: LayerIndexBuilder) {
        number(0)
        directoryIDs[0] = 0
        directories.append(Directory(file: 0, parent: 0, entries: []))
        var next = 0
        while next < directories.count {
            let file = directories[next].file
            let sorted = builder.files[file].children.sorted { $0.key < $1.key }
            directories[next].entries = sorted.map { ($0.key, $0.value) }
            for (_, child) in sorted {
                guard case .file(let position) = child else { continue }
                number(position)
                if builder.files[position].metadata.kind == .directory && directoryIDs[position] == nil {
                    directoryIDs[position] = UInt32(directories.count)
                    directories.append(Directory(file: position, parent: next, entries: []))
                }
            }
            next += 1
        }
    }

    private mutating func number(_ position: Int) {
        guard fileIDs[position] == nil else { return }
        fileIDs[position] = UInt32(fileOrder.count)
        fileOrder.append(position)
    }

    func write(_ builder: LayerIndexBuilder) -> [UInt8] {
        var heap = ByteWriter()
        var entryRecords = ByteWriter()
        var slotRecords = ByteWriter()
        var directoryRecords = ByteWriter()
        var entryCount: UInt32 = 0
        var slotCount: UInt32 = 0
        for directory in directories {
            let firstEntry = entryCount
            var hashes: [UInt32] = []
            for (name, child) in directory.entries {
                let hash = name.withBytes { IndexHashing.nameHash($0) }
                hashes.append(hash)
                entryRecords.u32(UInt32(heap.count))
                name.withBytes { heap.append($0) }
                let (file, kind): (UInt32, LayerEntryKind)
                switch child {
                case .file(let position): (file, kind) = (fileIDs[position] ?? LayerIndexFormat.noFile, builder.files[position].metadata.kind)
                case .whiteout: (file, kind) = (LayerIndexFormat.noFile, .whiteout)
                }
                entryRecords.u32(file)
                entryRecords.u32(hash)
                entryRecords.u8(UInt8(name.count))
                entryRecords.u8(kind.rawValue)
                entryRecords.u16(0)
                entryCount += 1
            }
            let slots = Self.slotTable(hashes)
            for slot in slots { slotRecords.u32(slot) }
            let file = builder.files[directory.file]
            directoryRecords.u32(fileIDs[directory.file] ?? 0)
            directoryRecords.u32(UInt32(directory.parent))
            directoryRecords.u32(firstEntry)
            directoryRecords.u32(UInt32(directory.entries.count))
            directoryRecords.u32(slotCount)
            directoryRecords.u32(UInt32(slots.count))
            directoryRecords.u32(file.opaque ? LayerIndexFormat.opaqueFlag : 0)
            directoryRecords.u32(0)
            slotCount += UInt32(slots.count)
        }

        var fileRecords = ByteWriter()
        var xattrRecords = ByteWriter()
        var contentRecords = ByteWriter()
        var chunkRecords = ByteWriter()
        var xattrCount: UInt32 = 0
        var contentCount: UInt32 = 0
        var chunkCount: UInt32 = 0
        var lazy = false
        for position in fileOrder {
            let file = builder.files[position]
            let metadata = file.metadata
            let firstXattr = xattrCount
            for attribute in file.extendedAttributes {
                xattrRecords.u32(UInt32(heap.count))
                heap.append(attribute.name)
                xattrRecords.u32(UInt32(heap.count))
                heap.append(attribute.value)
                xattrRecords.u32(UInt32(attribute.value.count))
                xattrRecords.u16(UInt16(attribute.name.count))
                xattrRecords.u16(0)
                xattrCount += 1
            }
            var word0: UInt32 = 0
            var word1: UInt32 = 0
            switch metadata.kind {
            case .directory:
                word0 = directoryIDs[position] ?? 0
            case .symbolicLink:
                word0 = UInt32(heap.count)
                word1 = UInt32(file.linkTarget.count)
                heap.append(file.linkTarget)
            case .characterDevice, .blockDevice:
                word0 = metadata.deviceMajor
                word1 = metadata.deviceMinor
            case .regular:
                word0 = LayerIndexFormat.noContent
                if case .chunks(let chunks, let digest) = file.content {
                    lazy = true
                    word0 = contentCount
                    contentRecords.u32(chunkCount)
                    contentRecords.u32(UInt32(chunks.count))
                    contentRecords.u32(digest == nil ? 0 : LayerIndexFormat.hasDigestFlag)
                    contentRecords.u32(0)
                    contentRecords.append(digest ?? [UInt8](repeating: 0, count: 32))
                    contentCount += 1
                    for chunk in chunks {
                        chunkRecords.u64(chunk.compressedOffset)
                        chunkRecords.u64(chunk.compressedLength)
                        chunkRecords.u64(chunk.fileOffset)
                        chunkRecords.u64(chunk.length)
                        chunkRecords.u64(chunk.innerOffset)
                        chunkRecords.append(chunk.digest ?? [UInt8](repeating: 0, count: 32))
                        chunkRecords.u8(chunk.compression.rawValue)
                        chunkRecords.u8(chunk.digest == nil ? 0 : LayerIndexFormat.chunkHasDigestFlag)
                        chunkRecords.zeros(6)
                        chunkCount += 1
                    }
                } else if case .inDirectory = file.content {
                    word1 = 1
                }
            case .fifo, .socket, .whiteout:
                break
            }
            fileRecords.u8(metadata.kind.rawValue)
            fileRecords.u8(0)
            fileRecords.u16(0)
            fileRecords.u32(UInt32(metadata.permissions & 0o7777))
            fileRecords.u32(metadata.uid)
            fileRecords.u32(metadata.gid)
            fileRecords.u32(metadata.linkCount)
            fileRecords.u32(firstXattr)
            fileRecords.u32(xattrCount - firstXattr)
            fileRecords.u32(metadata.modificationNanoseconds)
            fileRecords.u64(UInt64(bitPattern: metadata.modificationSeconds))
            fileRecords.u64(UInt64(max(0, metadata.size)))
            fileRecords.u32(word0)
            fileRecords.u32(word1)
            fileRecords.u64(0)
        }

        let sections: [(ByteWriter, UInt64)] = [
            (directoryRecords, UInt64(directories.count)), (entryRecords, UInt64(entryCount)),
            (slotRecords, UInt64(slotCount)), (fileRecords, UInt64(fileOrder.count)),
            (xattrRecords, UInt64(xattrCount)), (contentRecords, UInt64(contentCount)),
            (chunkRecords, UInt64(chunkCount)), (heap, UInt64(heap.count)),
        ]
        var output = ByteWriter()
        output.append(LayerIndexFormat.magic)
        output.u16(LayerIndexFormat.version)
        output.u16(UInt16(LayerIndexFormat.headerSize))
        output.u32(lazy ? LayerIndexFormat.lazyFlag : 0)
        output.u64(0)  // file size, patched below
        output.u64(0)  // checksum, patched below
        var offset = LayerIndexFormat.headerSize
        for (section, count) in sections {
            output.u64(UInt64(offset))
            output.u64(count)
            offset = LayerIndexFormat.aligned(offset + section.count)
        }
        for (section, _) in sections {
            output.append(section.bytes)
            output.align()
        }
        output.patch64(UInt64(output.count), at: LayerIndexFormat.fileSizeOffset)
        var bytes = output.bytes
        let checksum = bytes.withUnsafeBytes { IndexHashing.checksum($0, skipping: LayerIndexFormat.checksumOffset) }
        for index in 0..<8 { bytes[LayerIndexFormat.checksumOffset + index] = UInt8(truncatingIfNeeded: checksum >> UInt64(8 * index)) }
        return bytes
    }

    /// An open-addressing table (linear probing, at most half full) of entry positions + 1.
    static func slotTable(_ hashes: [UInt32]) -> [UInt32] {
        guard !hashes.isEmpty else { return [] }
        var size = 2
        while size < hashes.count * 2 { size *= 2 }
        var slots = [UInt32](repeating: 0, count: size)
        let mask = UInt32(size - 1)
        for (position, hash) in hashes.enumerated() {
            var slot = hash & mask
            while slots[Int(slot)] != 0 { slot = (slot + 1) & mask }
            slots[Int(slot)] = UInt32(position + 1)
        }
        return slots
    }
}
