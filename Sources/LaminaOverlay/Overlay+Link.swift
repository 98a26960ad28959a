import Glibc
import LaminaSystem

/// Hard links: the file is copied up once, and every name then shares its node and inode number.
extension Overlay {
    func makeHardLink(_ id: NodeID, newParent: NodeID, newName: FileName) throws -> Entry {
        try requireWritable("link")
        try validateNew(newName, operation: "link")
        let node = try nodes.node(id)
        guard !node.isDirectory else { throw SystemError("link", errno: EPERM, path: newName.description) }
        let target = try directoryNode(newParent)
        try copyUp(node)
        try copyUp(target)
        return try withIndex(target) { index in
            guard index.entry(named: newName) == nil else { throw SystemError("link", errno: EEXIST, path: newName.description) }
            guard let (sourceParent, sourceName) = node.currentName else {
                throw SystemError("link", errno: ENOENT, path: newName.description)
            }
            return try withUpperDirectory(target) { directory in
                let whiteout = try Whiteout.find(in: directory, name: newName)
                try withUpperDirectory(sourceParent) { sourceDirectory in
                    if whiteout == .device, let work {
                        let temporary = work.temporaryName()
                        try sourceDirectory.link(sourceName, to: work.descriptor, temporary)
                        do {
                            try work.descriptor.rename(temporary, to: directory, newName)
                        } catch {
                            try? work.descriptor.unlink(temporary)
                            throw error
                        }
                    } else {
                        try sourceDirectory.link(sourceName, to: directory, newName)
                        if whiteout == .file { try Whiteout.removeFile(in: directory, for: newName) }
                    }
                }
                let status = try directory.status(of: newName)
                guard inodes.number(of: status) == node.inode else {
                    // The source name was moved meanwhile: undo, the file is gone from under us.
                    try? directory.unlink(newName)
                    throw SystemError("link", errno: ENOENT, path: newName.description)
                }
                var resolution = upperResolution(name: newName, status: status, inLower: whiteout != nil)
                resolution.inode = node.inode
                index.insert(indexEntry(resolution))
                node.placement.withLock { $0.otherLinks.append(Node.Link(parent: target, name: newName)) }
                nodes.linked(node, in: target)
                nodes.addLookup(node)
                return entry(for: node, attributes: merged(status, of: node))
            }
        }
    }
}
