import LaminaSystem

extension LayerIndex {
    /// The root directory of the layer.
    public var root: LayerDirectoryID { .root }

    /// The entry named `name` in `directory` (a file or a whiteout), or nil: one hash probe.
    public func lookup(_ name: FileName, in directory: LayerDirectoryID) -> LayerIndexEntry? {
        guard let position = position(of: name, in: directory) else { return nil }
        return entry(atRecord: position, name: name)
    }

    /// The entries of `directory` in the index's stable order (by name bytes), whiteouts included.
    public func entries(of directory: LayerDirectoryID) -> LayerDirectoryEntries {
        let (first, count) = entryRange(of: directory)
        return LayerDirectoryEntries(index: self, first: first, count: count)
    }

    /// True when the layer makes `directory` opaque (the layers below it do not show through).
    public func isOpaque(_ directory: LayerDirectoryID) -> Bool {
        guard Int(directory.rawValue) < count(.directories) else { return false }
        return view.u32(record(.directories, Int(directory.rawValue)) + 24) & LayerIndexFormat.opaqueFlag != 0
    }

    /// The file of `directory` (its metadata and xattrs).
    public func file(of directory: LayerDirectoryID) -> LayerFileID {
        guard Int(directory.rawValue) < count(.directories) else { return LayerFileID(rawValue: 0) }
        return LayerFileID(rawValue: view.u32(record(.directories, Int(directory.rawValue))))
    }

    /// The directory containing `directory` (the root's parent is the root).
    public func parent(of directory: LayerDirectoryID) -> LayerDirectoryID {
        guard Int(directory.rawValue) < count(.directories) else { return .root }
        return LayerDirectoryID(rawValue: view.u32(record(.directories, Int(directory.rawValue)) + 4))
    }

    /// The directory a directory file lists; nil for other files.
    public func directory(of file: LayerFileID) -> LayerDirectoryID? {
        guard Int(file.rawValue) < count(.files) else { return nil }
        let base = record(.files, Int(file.rawValue))
        guard view.u8(base) == LayerEntryKind.directory.rawValue else { return nil }
        return LayerDirectoryID(rawValue: view.u32(base + 48))
    }

    /// The directory at `path` from the root (each component a directory in this layer); nil when
    /// a component is missing, a whiteout or not a directory.
    public func directory(at path: [FileName]) -> LayerDirectoryID? {
        var current = LayerDirectoryID.root
        for name in path {
            guard let entry = lookup(name, in: current), let file = entry.file, let next = directory(of: file) else { return nil }
            current = next
        }
        return current
    }

    // MARK: Records

    func entryRange(of directory: LayerDirectoryID) -> (first: Int, count: Int) {
        guard Int(directory.rawValue) < count(.directories) else { return (0, 0) }
        let base = record(.directories, Int(directory.rawValue))
        return (Int(view.u32(base + 8)), Int(view.u32(base + 12)))
    }

    /// The entry record of `name` in `directory`, by probing the directory's table.
    func position(of name: FileName, in directory: LayerDirectoryID) -> Int? {
        guard Int(directory.rawValue) < count(.directories) else { return nil }
        let base = record(.directories, Int(directory.rawValue))
        let firstEntry = Int(view.u32(base + 8)), firstSlot = Int(view.u32(base + 16)), slotCount = Int(view.u32(base + 20))
        guard slotCount > 0 else { return nil }
        // `bytes` (not the generic `withBytes`): called from another module, the generic one runs
        // unspecialised and costs more than the probe.
        return name.bytes.withUnsafeBytes { bytes -> Int? in
            let hash = IndexHashing.nameHash(bytes)
            let mask = slotCount - 1
            var slot = Int(hash) & mask
            // Checked at open: every table has an empty slot, so the probe ends; the bound guards a
            // file changed since.
            for _ in 0..<slotCount {
                let value = Int(view.u32(record(.slots, firstSlot + slot)))
                if value == 0 { return nil }
                let position = firstEntry + value - 1
                let entryBase = record(.entries, position)
                if view.u32(entryBase + 8) == hash, Int(view.u8(entryBase + 12)) == bytes.count,
                    heapSlice(view.u32(entryBase), bytes.count).elementsEqual(bytes)
                {
                    return position
                }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    /// The entry at record `position`; `name` when the caller already has it.
    func entry(atRecord position: Int, name: FileName? = nil) -> LayerIndexEntry? {
        let base = record(.entries, position)
        guard let kind = LayerEntryKind(rawValue: view.u8(base + 13)) else { return nil }
        let entryName = name ?? FileName(bytes: heapSlice(view.u32(base), Int(view.u8(base + 12))))
        guard let entryName else { return nil }
        let file = view.u32(base + 4)
        return LayerIndexEntry(name: entryName, kind: kind, file: kind == .whiteout ? nil : LayerFileID(rawValue: file))
    }
}

/// The entries of one directory of a layer index, in the index's order; reads each from the
/// mapping when asked.
///
/// Immutable view; keeps its index alive.
public struct LayerDirectoryEntries: RandomAccessCollection, Sendable {
    let index: LayerIndex
    let first: Int
    public let count: Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> LayerIndexEntry {
        // Records are checked at open; an unreadable one (a file changed since) reads as a whiteout
        // of a placeholder name rather than crashing.
        index.entry(atRecord: first + position) ?? LayerIndexEntry(name: "?", kind: .whiteout, file: nil)
    }
}
