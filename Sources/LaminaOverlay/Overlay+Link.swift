import Glibc
import LaminaSystem

/// Hard links: the file is copied up once, and every name then shares its node and inode number.
extension Overlay {
    func makeHardLink(_ id: NodeID, newParent: NodeID, newName: String) throws -> Entry {
        try requireWritable("link")
        try validateNew(newName, operation: "link")
        let node = try nodes.node(id)
        guard !node.isDirectory else { throw SystemError("link", errno: EPERM, path: newName) }
        let target = try directoryNode(newParent)
        try copyUp(node)
        try copyUp(target)
        return try withIndex(target) { index in
            guard index.entry(named: newName) == nil else { throw SystemError("link", errno: EEXIST, path: newName) }
            let sourcePath = try upperPath(of: node)
            let directoryPath = try upperPath(of: target)
            let path = LayerPath.join(directoryPath, newName)
            let whiteout = try Whiteout.find(in: stack.upper, directory: directoryPath, name: newName)
            if whiteout == .device, let work {
                let temporary = work.temporaryName()
                try stack.upper.link(sourcePath, to: work.descriptor, temporary)
                do {
                    try work.descriptor.rename(temporary, to: stack.upper, path)
                } catch {
                    try? work.descriptor.unlink(temporary)
                    throw error
                }
            } else {
                try stack.upper.link(sourcePath, to: stack.upper, path)
                if whiteout == .file { try Whiteout.removeFile(in: stack.upper, for: path) }
            }
            let status = try stack.upper.status(of: path)
            var resolution = upperResolution(name: newName, status: status, inLower: whiteout != nil)
            resolution.entry.inode = node.inode
            index.insert(resolution.entry)
            node.placement.withLock { $0.otherLinks.append(Node.Link(parent: target, name: newName)) }
            nodes.linked(node, in: target)
            nodes.addLookup(node)
            return entry(for: node, attributes: merged(status, of: node))
        }
    }
}
