import Glibc
import LaminaSystem

/// unlink and rmdir. A name that hides lower copies is replaced by a whiteout in one rename from
/// the work directory; rmdir requires the merged directory to be empty. Whiteouts are links to
/// the work directory's shared whiteout inode where the upper file system allows it.
extension Overlay {
    func remove(parent id: NodeID, name: String, directory isDirectory: Bool) throws {
        let operation = isDirectory ? "rmdir" : "unlink"
        try requireWritable(operation)
        let parent = try directoryNode(id)
        guard try withIndex(parent, { $0.entry(named: name) != nil }) else {
            throw SystemError(operation, errno: ENOENT, path: name)
        }
        try copyUp(parent)  // a whiteout needs the parent in the upper layer
        try withIndex(parent) { index in
            guard let entry = index.entry(named: name) else { throw SystemError(operation, errno: ENOENT, path: name) }
            if isDirectory != entry.isDirectory {
                throw SystemError(operation, errno: isDirectory ? ENOTDIR : EISDIR, path: name)
            }
            let path = LayerPath.join(try upperPath(of: parent), name)
            let inUpper = stack.isUpper(entry.layer)
            if isDirectory {
                try requireMergedEmpty(path: inUpper ? path : nil, lowerDirectories: index.lowerDirectories(of: entry))
            }
            let orphan = isDirectory ? nil : openIfLastName(parent: parent, entry: entry)
            if !inUpper {
                try makeWhiteout(at: path)
            } else if entry.inLower {
                try replaceWithWhiteout(path, isDirectory: isDirectory)
            } else if isDirectory {
                try stack.upper.removeDirectory(path)
            } else {
                try stack.upper.unlink(path)
            }
            index.remove(named: name)
            keepOrphan(orphan, lostLastName: forgetName(parent: parent, entry: entry))
        }
    }

    /// The node that had the removed (or replaced) name loses that name (not another one); true
    /// when that was the last name of a live node.
    @discardableResult
    func forgetName(parent: Node, entry: DirectoryIndex.Entry) -> Bool {
        guard let node = nodes.node(in: parent, named: entry.name, inode: entry.inode) else { return false }
        if entry.isDirectory {
            node.placement.withLock { $0.removed = true }
            nodes.detach(node)
            return true
        }
        switch node.removeLink(parent: parent, name: entry.name) {
        case .none:
            nodes.detach(node)
            return true
        case .names:
            nodes.unlinked(node, from: parent)
            return false
        case .notFound:
            return false
        }
    }

    /// ENOTEMPTY unless the merged directory (upper copy at `path`, plus `lowerDirectories`) is
    /// empty; then the whiteouts in its upper copy are removed so it can be removed or replaced.
    func requireMergedEmpty(path: String?, lowerDirectories: [LayerPath]) throws {
        let contents = try DirectoryIndex.build(stack: stack, inodes: inodes, upperPath: path, lowerSources: lowerDirectories)
        guard contents.isEmpty else { throw SystemError("rmdir", errno: ENOTEMPTY, path: path) }
        guard let path else { return }
        let directory = try stack.upper.open(path, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        defer { directory.close() }
        for record in try directory.directoryRecords() {
            guard let status = try directory.statusIfPresent(of: record.name) else { continue }
            let isMarker = record.name.hasPrefix(Whiteout.prefix) || Whiteout.isDevice(status)
                || (status.st_mode & S_IFMT == S_IFREG && status.st_size == 0
                    && Whiteout.hasWhiteoutAttribute(directory, record.name))
            if isMarker { try directory.unlink(record.name) }
        }
    }

    /// A whiteout at `path` in the upper layer, where nothing is: a link to the work directory's
    /// shared whiteout inode, else one of its own (`Whiteout.create`).
    func makeWhiteout(at path: String) throws {
        if try work?.linkSharedWhiteout(to: stack.upper, path) == true { return }
        try Whiteout.create(in: stack.upper, at: path)
    }

    /// Replaces the upper entry at `path` with a whiteout in one step: a whiteout made in the
    /// work directory is renamed over it (exchanged with it, for a directory, which is then
    /// removed from the work directory).
    func replaceWithWhiteout(_ path: String, isDirectory: Bool) throws {
        guard let work else { throw SystemError("whiteout", errno: EROFS, path: path) }
        let temporary = work.temporaryName()
        let made: Void? = try work.linkSharedWhiteout(to: work.descriptor, temporary) ? () : unlessFailing(with: EPERM) {
            try work.descriptor.makeNode(temporary, mode: S_IFCHR, device: 0)
        }
        guard made != nil else {
            // No mknod here: remove, then leave the `.wh.NAME` form.
            if isDirectory { try stack.upper.removeDirectory(path) } else { try stack.upper.unlink(path) }
            try Whiteout.createFile(in: stack.upper, at: path)
            return
        }
        do {
            if isDirectory {
                try work.descriptor.rename(temporary, to: stack.upper, path, flags: .exchange)
            } else {
                try work.descriptor.rename(temporary, to: stack.upper, path)
            }
        } catch {
            try? work.descriptor.unlink(temporary)
            throw error
        }
        if isDirectory { try work.descriptor.removeDirectory(temporary) }
    }
}
