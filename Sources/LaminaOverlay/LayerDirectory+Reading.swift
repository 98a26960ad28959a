import Glibc
import LaminaLayerIndex
import LaminaSystem

/// What a lower directory holds, read through its layer index when the layer has one (no syscall)
/// and through its descriptor otherwise. The name "." means the directory itself.
extension LayerDirectory {
    /// What this copy of the directory says about one name.
    enum Presence {
        case absent
        case whiteout
        case present(stat)
    }

    /// Every entry of this copy, sorted into names, whiteouts and markers.
    func listing(_ cache: DescriptorCache, markers: DirectoryMarkers) throws -> LayerListing {
        guard let index = source.index else {
            // A layer root's descriptor is shared by every handle of that root: only a directory
            // that owns its descriptor may read the handle itself, and only the first time.
            let ownHandle = parent != nil && claimHandleForListing()
            return try withDescriptor(cache) { handle in
                try cache.opening { try LayerListing.read(handle, markers: markers, handleAtStart: ownHandle) }
            }
        }
        var listing = LayerListing(markers: markers)
        let entries = index.entries(of: try indexedDirectory())
        listing.records.reserveCapacity(entries.count)
        for entry in entries {
            guard let file = entry.file, entry.kind != .whiteout else {
                listing.whiteouts.append(entry.name)
                continue
            }
            listing.records.append(DirectoryRecord(
                name: entry.name, inode: UInt64(file.rawValue) + 1,
                type: DirectoryRecord.directoryType(of: entry.kind.fileTypeBits)))
        }
        return listing
    }

    /// True when the layer has an index: this copy is read without a syscall.
    var isIndexed: Bool { source.index != nil }

    /// About how many bytes of names reading this copy whole goes through: its st_size (ext4 and
    /// xfs grow a directory by blocks), or 32 bytes an entry of its index (read with no syscall);
    /// 0 where the layer has no directory of this name.
    func listingBytes(_ cache: DescriptorCache) throws -> Int {
        guard let index = source.index else {
            return try unlessFailing(with: ENOENT, ENOTDIR, ELOOP) {
                try withDescriptor(cache) { Int(try $0.status().st_size) }
            } ?? 0
        }
        guard indexDirectory != Self.missing else { return 0 }
        return index.entries(of: LayerDirectoryID(rawValue: indexDirectory)).count * 32
    }

    /// Whether this copy holds `name`, whites it out, or neither (an fstatat, and one of `.wh.NAME`
    /// when it is absent; one hash probe in an index).
    func presence(of name: FileName, _ cache: DescriptorCache) throws -> Presence {
        if let index = source.index {
            guard indexDirectory != Self.missing,
                  let entry = index.lookup(name, in: LayerDirectoryID(rawValue: indexDirectory)) else { return .absent }
            guard let file = entry.file, entry.kind != .whiteout else { return .whiteout }
            return .present(source.status(of: file, in: index))
        }
        let attributeWhiteouts = try markers(cache).holdsAttributeWhiteouts
        return try withDescriptor(cache) { try Self.presence(of: name, in: $0, attributeWhiteouts: attributeWhiteouts) }
    }

    /// `presence(of:)` in a directory read by descriptor (a lower one, or an upper copy).
    static func presence(of name: FileName, in directory: FileDescriptor, attributeWhiteouts: Bool) throws -> Presence {
        guard let status = try directory.statusIfPresent(of: name) else {
            guard let marker = Whiteout.markerName(for: name) else { return .absent }
            return try directory.statusIfPresent(of: marker) == nil ? .absent : .whiteout
        }
        if Whiteout.isDevice(status) { return .whiteout }
        if attributeWhiteouts && status.st_mode & S_IFMT == S_IFREG && status.st_size == 0
            && Whiteout.hasWhiteoutAttribute(directory, name)
        {
            return .whiteout
        }
        return .present(status)
    }

    /// The layer's file of `name` in an index (the directory's own for "."); ENOENT when none.
    private func indexedFile(_ name: FileName, in index: LayerIndex) throws -> LayerFileID {
        let directory = try indexedDirectory()
        if name == "." { return index.file(of: directory) }
        guard let file = index.lookup(name, in: directory)?.file else {
            throw SystemError("lookup", errno: ENOENT, path: name.description)
        }
        return file
    }

    func status(of name: FileName, _ cache: DescriptorCache) throws -> stat {
        if let index = source.index { return source.status(of: try indexedFile(name, in: index), in: index) }
        return try withDescriptor(cache) { try $0.status(of: name) }
    }

    /// Opens a file's data for reading (read-only: lower layers never change).
    func open(_ name: FileName, flags: Int32, _ cache: DescriptorCache) throws -> FileDescriptor {
        let flags = (flags & ~O_ACCMODE) | O_RDONLY
        guard let index = source.index else { return try openRegularFile(name, flags: flags, cache) }
        let file = try indexedFile(name, in: index)
        // A layer with a directory keeps its files' data there, unless the index says the bytes
        // come from the layer blob; a layer without one has all its data from the provider.
        if source.root != nil, !index.content(of: file).isChunks {
            return try openRegularFile(name, flags: flags, cache)
        }
        guard index.metadata(of: file).kind == .regular else { throw SystemError("open", errno: EINVAL, path: name.description) }
        guard let content = source.content else { throw SystemError("open", errno: EIO, path: name.description) }
        return try content.contentDescriptor(of: file)
    }

    /// Opens `name` in this directory as the regular file the engine was told it is, or fails
    /// with EIO. What the directory holds under a name can differ from what a lookup found (a
    /// layer index built from other content, a directory changed after its lookup): a FIFO there
    /// would block the daemon's thread in open(2) for as long as nobody writes to it, and a device
    /// would serve the host's device as file data. So the open does not wait (O_NONBLOCK, which
    /// regular files ignore) and what it opened is checked (one fstat of an open descriptor).
    private func openRegularFile(_ name: FileName, flags: Int32, _ cache: DescriptorCache) throws -> FileDescriptor {
        let opened = try withDescriptor(cache) { try $0.open(name, flags: flags | O_NONBLOCK) }
        do {
            let status = try opened.status()
            guard status.st_mode & S_IFMT == S_IFREG else {
                throw SystemError("open (not a regular file in the layer)", errno: EIO, path: name.description)
            }
            return opened
        } catch {
            opened.close()
            throw error
        }
    }

    func readLink(_ name: FileName, _ cache: DescriptorCache) throws -> [UInt8] {
        if let index = source.index { return index.linkTarget(of: try indexedFile(name, in: index)) }
        return try withDescriptor(cache) { try $0.readSymbolicLink(name) }
    }

    func attributeNames(of name: FileName, _ cache: DescriptorCache) throws -> [String] {
        if let index = source.index {
            return index.extendedAttributes(of: try indexedFile(name, in: index)).compactMap { String(validating: $0.name, as: UTF8.self) }
        }
        return try withDescriptor(cache) { try $0.extendedAttributeNames(of: name) }
    }

    func attribute(_ attribute: String, of name: FileName, _ cache: DescriptorCache) throws -> [UInt8]? {
        if let index = source.index { return index.extendedAttribute(Array(attribute.utf8), of: try indexedFile(name, in: index)) }
        return try withDescriptor(cache) { try $0.extendedAttribute(attribute, of: name) }
    }
}

extension LayerFileContent {
    /// The bytes come from the layer blob, chunk by chunk.
    var isChunks: Bool {
        if case .chunks = self { return true }
        return false
    }
}
