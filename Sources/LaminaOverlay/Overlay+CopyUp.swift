import Glibc
import LaminaSystem

/// Copy-up on first change: the node's parents first, then the node. The copy is made in the work
/// directory holding only the node's own copy-up lock (so a second copy-up of the same node waits
/// for it, and a lookup or a change of any other name of the directory does not); the parent's
/// directory lock is held for the rename that puts the finished copy in place.
extension Overlay {
    /// Ensures `node` has an upper copy. `data: false` skips a regular file's contents (the caller
    /// truncates it to zero).
    func copyUp(_ node: Node, data: Bool = true) throws {
        try requireWritable("copy-up")
        if node.isUpper { return }
        guard let parent = node.parent else { return }
        try copyUp(parent)
        guard let work else { throw SystemError("copy-up", errno: EROFS) }
        try node.copyUpLock.withLock { _ in
            if node.isUpper { return }
            let (directory, name) = try lowerCopy(of: node)
            let prepared = try stack.cache.opening { try CopyUp(work: work, cache: stack.cache).prepare(from: directory, name, data: data) }
            do {
                try install(prepared.temporary, source: prepared.source, for: node)
            } catch {
                try? work.removeTree(prepared.temporary)
                throw error
            }
        }
    }

    /// Ensures the entry `name` of `parent` (whose own upper copy exists) has an upper copy.
    func copyUpChild(parent: Node, name: FileName) throws {
        let found = try lookupEntry(parent: parent.id, name: name)
        defer { forget(found.node, lookups: 1) }
        try copyUp(nodes.node(found.node))
    }

    /// (directory, name) of the node's top-most lower copy.
    private func lowerCopy(of node: Node) throws -> (LayerDirectory, FileName) {
        if node.isDirectory {
            let top = try node.directory.map { try resolvedSources(of: node, box: $0) }?.first
            guard let top else { throw SystemError("copy-up", errno: EIO, path: "#\(node.id)") }
            return (top, ".")
        }
        let lower = node.placement.withLock { ($0.lowerDirectory, $0.lowerName) }
        guard let directory = lower.0 else { throw SystemError("copy-up", errno: EIO, path: "#\(node.id)") }
        return (directory, lower.1)
    }

    /// Under the parent's directory lock: renames the finished copy into the parent's upper
    /// directory under the node's current name, records its origin inode number, and marks it
    /// upper in the index and its node. The parent keeps its times (a copy-up is not a change of
    /// the parent, as overlayfs has it).
    private func install(_ temporary: FileName, source: stat, for node: Node) throws {
        guard let work, let (parent, name) = node.currentName, let box = parent.directory else {
            throw SystemError("copy-up", errno: ENOENT, path: "#\(node.id)")
        }
        try box.state.withLock { state in
            state.generation &+= 1
            guard let (current, currentName) = node.currentName, current === parent, currentName == name else {
                throw SystemError("copy-up", errno: ENOENT, path: name.description)  // removed or moved meanwhile
            }
            let copied = try withUpperDirectory(parent) { directory -> stat in
                let parentStatus = try directory.status()
                try work.descriptor.rename(temporary, to: directory, name, flags: .noReplace)
                try directory.setTimes(of: ".", access: parentStatus.st_atim, modification: parentStatus.st_mtim)
                return try directory.status(of: name)
            }
            // A lower file with several links: the copy is a file of its own (the link is broken, as
            // overlayfs without index=on breaks it), so it reports the upper file's number, as the
            // kernel does. Any other copy keeps its origin's number.
            let breaksLink = copied.st_mode & S_IFMT != S_IFDIR && source.st_nlink > 1
            let number: UInt64
            if breaksLink {
                number = inodes.number(of: copied)
            } else {
                number = node.inode
                inodes.recordCopy(copied, origin: number)
            }
            state.index?.update(named: name) { entry in
                entry.layer = 0
                entry.inLower = true
                entry.inode = number
            }
            if breaksLink {
                node.renumber(number)
                nodes.rekey(node, to: .inode(number))
            }
            if let directory = node.directory {
                directory.upperInode.store(UInt64(copied.st_ino), ordering: .releasing)
            }
            node.hasUpper.store(true, ordering: .releasing)
        }
        logger.trace("copied up", metadata: ["name": "\(name)"])
    }
}
