import Glibc
import LaminaSystem

/// Opening files and directories. Reads and writes go straight to the descriptor (`descriptor(for:)`),
/// taking no engine lock for files in the upper layer.
extension Overlay {
    /// Opens `node`; write access (or O_TRUNC) copies it up first (without its data for O_TRUNC).
    func openFile(_ node: Node, flags: Int32) throws -> OpenedFile {
        let writing = flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0
        if node.isDirectory && writing { throw SystemError("open", errno: EISDIR, path: "#\(node.id)") }
        if writing {
            try requireWritable("open")
            try copyUp(node, data: flags & O_TRUNC == 0)
        }
        if node.isUpper {
            let descriptor = try openFile(of: node, flags: flags)
            return OpenedFile(handle: register(node, descriptor: descriptor, flags: flags, follows: false), keepCache: false, upper: true)
        }
        let readFlags = flags & ~O_TRUNC
        let descriptor = try openFile(of: node, flags: readFlags)
        // In a writable mount another handle may copy the file up: this one then follows it.
        let handle = register(node, descriptor: descriptor, flags: readFlags, follows: stack.hasUpper)
        return OpenedFile(handle: handle, keepCache: true, upper: false)
    }

    func register(_ node: Node, descriptor: FileDescriptor, flags: Int32, follows: Bool) -> UInt64 {
        let file = FileHandle(node: node, descriptor: descriptor, flags: flags, follows: follows)
        return files.insert(file) { file.handleValue(sequence: $0) }
    }

    /// Opens a directory for listing. The snapshot of its entries is taken at the first read from
    /// offset 0 (`DirectoryListing`), not here: the kernel caches a listing under the directory's
    /// version as of that first read, so a snapshot from before it could outlive a change.
    func openListing(_ node: Node) throws -> OpenedDirectory {
        guard node.isDirectory else { throw SystemError("opendir", errno: ENOTDIR, path: "#\(node.id)") }
        // The kernel's listing cache (FOPEN_CACHE_DIR) is not safe against a change made while
        // two open listings fill it: a reader that starts at offset 0 while the cache is still
        // empty stamps it with the directory's version as of then, yet the entries that fill it
        // may come from another reader's older READDIR reply, so a name created (or unlinked) just
        // before stays missing (or listed) from every later listing until the next change
        // (ChaosTests, listing churn). Only handles opened with the flag stamp or fill that
        // cache, so on a writable mount one open listing of a directory at a time gets it: the
        // stamp is then always taken before the replies that fill the cache, and a change after
        // the stamp resets the cache at the next read from offset 0. Other concurrent listings are
        // answered by the daemon. A read-only mount cannot change: every listing gets it.
        guard stack.hasUpper else {
            return OpenedDirectory(handle: directories.insert(DirectoryListing(node: node)), cacheable: true)
        }
        let box = try directoryBox(node)
        let turn = box.kernelCacheTurn.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        let handle = directories.insert(DirectoryListing(node: node, holdsKernelCacheTurn: turn))
        return OpenedDirectory(handle: handle, cacheable: turn)
    }

    /// The merged entries of a directory now, "." and ".." first.
    func snapshot(of node: Node) throws -> [DirectoryEntry] {
        let parentInode = node.parent?.inode ?? node.inode
        return try readIndex(node) { index in
            var entries: [DirectoryEntry] = []
            entries.reserveCapacity(index.count + 2)
            entries.append(DirectoryEntry(name: ".", inode: node.inode, type: S_IFDIR, offset: 1))
            entries.append(DirectoryEntry(name: "..", inode: parentInode, type: S_IFDIR, offset: 2))
            // An entry's offset is its cookie (past "." and ".."): the same place in every listing.
            for entry in index.orderedEntries {
                entries.append(DirectoryEntry(name: entry.name, inode: entry.inode, type: entry.fileType,
                                              offset: UInt64(entry.cookie) + 3))
            }
            return entries
        }
    }

    /// fsyncdir: syncs the upper copy of the directory (a lower-only directory has nothing to sync).
    func synchronizeListing(_ listing: DirectoryListing, dataOnly: Bool) throws {
        guard listing.node.isUpper else { return }
        try withUpperDirectory(listing.node) { handle in
            let directory = try handle.open(".", flags: O_RDONLY | O_DIRECTORY)
            defer { directory.close() }
            try directory.synchronize(dataOnly: dataOnly)
        }
    }
}
