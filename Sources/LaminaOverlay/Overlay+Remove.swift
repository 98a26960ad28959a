import Glibc
import LaminaSystem

/// unlink and rmdir. A name that hides lower copies is replaced by a whiteout in one rename from
/// the work directory; rmdir requires the merged directory to be empty, and moves the directory's
/// upper copy (with the whiteouts it holds) into the work directory in that same rename, to be
/// emptied there after the parent's lock is released, as kernel overlayfs does. Whiteouts are links
/// to the work directory's shared whiteout inode where the upper file system allows it.
extension Overlay {
    func remove(parent id: NodeID, name: FileName, directory isDirectory: Bool) throws {
        let operation = isDirectory ? "rmdir" : "unlink"
        try requireWritable(operation)
        let parent = try directoryNode(id)
        guard try resolve(name, in: parent) != nil else {
            throw SystemError(operation, errno: ENOENT, path: name.description)
        }
        if isDirectory { return try removeDirectory(name, in: parent) }
        try copyUp(parent)  // a whiteout needs the parent in the upper layer
        try withIndex(parent) { index in
            guard let entry = index.entry(named: name) else { throw SystemError(operation, errno: ENOENT, path: name.description) }
            if entry.isDirectory { throw SystemError(operation, errno: EISDIR, path: name.description) }
            try withUpperDirectory(parent) { directory in
                let orphan = try openIfLastName(parent: parent, entry: entry)
                if !stack.isUpper(entry.layer) {
                    try makeWhiteout(name, in: directory)
                } else if entry.inLower {
                    try replaceWithWhiteout(name, in: directory)
                } else {
                    try directory.unlink(name)
                }
                index.remove(named: name)
                keepOrphan(orphan, lostLastName: forgetName(parent: parent, entry: entry))
            }
        }
    }

    /// rmdir: the directory's node (looked up for the call) is locked with its parent, so nothing
    /// is created in it between the emptiness check and the removal.
    private func removeDirectory(_ name: FileName, in parent: Node) throws {
        let found = try lookupEntry(parent: parent.id, name: name)
        defer { forget(found.node, lookups: 1) }
        let child = try nodes.node(found.node)
        guard child.isDirectory else { throw SystemError("rmdir", errno: ENOTDIR, path: name.description) }
        // A directory that is not empty is refused before anything is copied up (as the kernel
        // does); the check is made again under the locks.
        guard try readIndex(child, { $0.isEmpty }) else { throw SystemError("rmdir", errno: ENOTEMPTY, path: name.description) }
        try copyUp(parent)  // a whiteout needs the parent in the upper layer
        var leftover: FileName?
        try withIndexes([parent, child]) { locked in
            guard let entry = locked[parent].entry(named: name) else {
                throw SystemError("rmdir", errno: ENOENT, path: name.description)
            }
            guard entry.isDirectory else { throw SystemError("rmdir", errno: ENOTDIR, path: name.description) }
            guard nodes.node(in: parent, named: name, inode: entry.inode) === child else {
                throw SystemError("rmdir", errno: ENOENT, path: name.description)  // replaced meanwhile
            }
            guard locked[child].isEmpty else { throw SystemError("rmdir", errno: ENOTEMPTY, path: name.description) }
            try withUpperDirectory(parent) { directory in
                if !stack.isUpper(entry.layer) {
                    try makeWhiteout(name, in: directory)
                } else {
                    leftover = try moveAside(name, in: directory, leavingWhiteout: entry.inLower)
                }
            }
            locked[parent].remove(named: name)
            forgetName(parent: parent, entry: entry)
        }
        if let leftover { try? work?.removeTree(leftover) }
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

    /// A whiteout called `name` in the upper directory `directory`, where nothing is: a link to
    /// the work directory's shared whiteout inode, else one of its own (a 0/0 device, else
    /// `.wh.NAME`).
    func makeWhiteout(_ name: FileName, in directory: FileDescriptor) throws {
        if try work?.linkSharedWhiteout(to: directory, name) == true { return }
        let made: Void? = try unlessFailing(with: EPERM) { try Whiteout.createDevice(in: directory, for: name) }
        if made == nil { try Whiteout.createFile(in: directory, for: name) }
    }

    /// A whiteout made in the work directory, ready to be renamed over a name; nil where neither
    /// links to the shared whiteout nor mknod are allowed (only the `.wh.NAME` form is left).
    private func preparedWhiteout() throws -> FileName? {
        guard let work else { throw SystemError("whiteout", errno: EROFS) }
        let temporary = work.temporaryName()
        if try work.linkSharedWhiteout(to: work.descriptor, temporary) { return temporary }
        let made: Void? = try unlessFailing(with: EPERM) { try Whiteout.createDevice(in: work.descriptor, for: temporary) }
        return made == nil ? nil : temporary
    }

    /// Replaces the upper non-directory `name` with a whiteout in one rename.
    func replaceWithWhiteout(_ name: FileName, in directory: FileDescriptor) throws {
        guard let work else { throw SystemError("whiteout", errno: EROFS, path: name.description) }
        guard let whiteout = try preparedWhiteout() else {
            try directory.unlink(name)
            try Whiteout.createFile(in: directory, for: name)
            return
        }
        do {
            try work.descriptor.rename(whiteout, to: directory, name)
        } catch {
            try? work.descriptor.unlink(whiteout)
            throw error
        }
    }

    /// Moves the upper directory `name` into the work directory (in one exchange with a whiteout
    /// when `leavingWhiteout`); returns its temporary name there, for the caller to remove once it
    /// holds no lock.
    func moveAside(_ name: FileName, in directory: FileDescriptor, leavingWhiteout: Bool) throws -> FileName {
        guard let work else { throw SystemError("rmdir", errno: EROFS, path: name.description) }
        if leavingWhiteout, let whiteout = try preparedWhiteout() {
            do {
                try work.descriptor.rename(whiteout, to: directory, name, flags: .exchange)
            } catch {
                try? work.descriptor.unlink(whiteout)
                throw error
            }
            return whiteout
        }
        let temporary = work.temporaryName()
        try directory.rename(name, to: work.descriptor, temporary)
        if leavingWhiteout { try Whiteout.createFile(in: directory, for: name) }
        return temporary
    }
}
