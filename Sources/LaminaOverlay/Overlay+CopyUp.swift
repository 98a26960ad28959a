import Glibc
import LaminaSystem

/// Copy-up on first change: the node's parents first, then the node, each under its parent's
/// directory lock (one lock at a time, root first).
extension Overlay {
    /// Ensures `node` has an upper copy. `data: false` skips a regular file's contents (the caller
    /// truncates it to zero).
    func copyUp(_ node: Node, data: Bool = true) throws {
        try requireWritable("copy-up")
        while !node.isUpper {
            guard let parent = node.parent else { return }
            try copyUp(parent)
            let done = try withIndex(parent) { index -> Bool in
                let (current, name, removed) = node.placement.withLock { ($0.parent, $0.name, $0.removed) }
                if removed { throw SystemError("copy-up", errno: ENOENT, path: name) }
                guard current === parent else { return false }  // renamed meanwhile: retry
                try copyUpEntry(parent: parent, index: &index, name: name, data: data)
                node.hasUpper.store(true, ordering: .releasing)
                return true
            }
            if done { return }
        }
    }

    /// Ensures the entry `name` of `parent` (whose own upper copy exists) has an upper copy.
    func copyUpChild(parent: Node, name: String) throws {
        try withIndex(parent) { index in
            guard index.entry(named: name) != nil else { throw SystemError("copy-up", errno: ENOENT, path: name) }
            try copyUpEntry(parent: parent, index: &index, name: name, data: true)
        }
    }

    /// Under `parent`'s directory lock: copies the lower entry `name` into the parent's upper
    /// directory, records its origin inode number and marks it upper in the index and its node.
    func copyUpEntry(parent: Node, index: inout DirectoryIndex, name: String, data: Bool) throws {
        guard let entry = index.entry(named: name), !stack.isUpper(entry.layer) else { return }
        guard let source = index.lowerLocation(of: entry), let work else {
            throw SystemError("copy-up", errno: EIO, path: name)
        }
        let parentPath = try upperPath(of: parent)
        let target = LayerPath.join(parentPath, name)
        let parentStatus = try stack.upper.status(of: parentPath)
        let copied = try CopyUp(stack: stack, work: work).copy(source, to: target, data: data)
        // A copy-up is not a change of the parent: give it back its times (as overlayfs does).
        try stack.upper.setTimes(of: parentPath, access: parentStatus.st_atim, modification: parentStatus.st_mtim)
        let child = nodes.node(in: parent, named: name, inode: entry.inode)
        // A lower file with several links: the copy is a file of its own (the link is broken, as
        // overlayfs without index=on breaks it), so it reports the upper file's number, as the
        // kernel does. Any other copy keeps its origin's number.
        let breaksLink = try copied.st_mode & S_IFMT != S_IFDIR
            && stack.roots[source.layer].status(of: source.path).st_nlink > 1
        let number: UInt64
        if breaksLink {
            number = inodes.number(of: copied)
        } else {
            inodes.recordCopy(copied, origin: entry.inode)
            number = entry.inode
        }
        index.update(named: name) { entry in
            entry.layer = 0
            entry.inLower = true
            entry.inode = number
        }
        if let child {
            if breaksLink {
                child.renumber(number)
                nodes.rekey(child, to: .inode(number))
            }
            child.hasUpper.store(true, ordering: .releasing)
        }
        logger.trace("copied up", metadata: ["path": "\(target)"])
    }
}
