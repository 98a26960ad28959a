import Glibc
import LaminaSystem

/// Lookups: one hash probe in the parent's index, then one fstatat in the layer holding the name.
extension Overlay {
    /// Where a name of a directory resolves, read from the parent's index under its lock.
    struct Resolution {
        var entry: DirectoryIndex.Entry
        /// The lower directory holding the top-most lower copy (nil: upper only).
        var lowerDirectory: LayerPath?
        /// For a directory: the lower directories it merges.
        var lowerDirectories: [LayerPath]

        /// The top-most lower copy.
        var lower: LayerPath? { lowerDirectory?.appending(entry.name) }
    }

    func lookupEntry(parent: NodeID, name: String) throws -> Entry {
        let directory = try directoryNode(parent)
        let resolution = try withIndex(directory) { index in
            guard let entry = index.entry(named: name) else {
                throw SystemError("lookup", errno: ENOENT, path: name)
            }
            return Resolution(entry: entry, lowerDirectory: index.lowerDirectory(of: entry),
                              lowerDirectories: index.lowerDirectories(of: entry))
        }
        let status: stat
        if stack.isUpper(resolution.entry.layer) {
            status = try stack.upper.status(of: LayerPath.join(try upperPath(of: directory), name))
        } else if let lower = resolution.lower {
            status = try stack.roots[lower.layer].status(of: lower.path)
        } else {
            throw SystemError("lookup", errno: ENOENT, path: name)
        }
        let node = adopt(status, parent: directory, name: name, resolution: resolution)
        return entry(for: node, attributes: merged(status, of: node))
    }

    /// The node for a file just found or made at (`parent`, `name`), counting one lookup.
    ///
    /// Names of one upper file share a node (hard links made through the mount, or found in the
    /// upper layer). A lower file with several links gets a node per name: copying one name up
    /// breaks the link (as overlayfs without `index=on` does), so the names are separate files
    /// that only report one inode number until then.
    func adopt(_ status: stat, parent: Node, name: String, resolution: Resolution) -> Node {
        let number = inodes.number(of: status)
        let type = status.st_mode & S_IFMT
        let upper = stack.isUpper(resolution.entry.layer)
        let key: NodeTable.Key = !upper && type != S_IFDIR && status.st_nlink > 1
            ? .name(parent: parent.id, name) : .inode(number)
        let node = nodes.resolve(key: key) { id in
            let placement = Node.Placement(
                parent: parent, name: name, lowerDirectory: resolution.lowerDirectory, lowerName: resolution.entry.name,
                lowerDirectoryCount: resolution.lowerDirectories.count)
            return Node(id: id, inode: number, type: type, placement: placement, hasUpper: upper,
                        lowerSources: resolution.lowerDirectories)
        }
        if type != S_IFDIR, node.addLink(parent: parent, name: name) { nodes.linked(node, in: parent) }
        return node
    }

    /// The resolution of a name the engine just wrote in the upper layer.
    func upperResolution(name: String, status: stat, inLower: Bool) -> Resolution {
        let entry = DirectoryIndex.Entry(
            name: name, layer: 0, type: DirectoryRecord.directoryType(of: status.st_mode),
            inode: inodes.number(of: status), inLower: inLower, lowerPositions: [], merging: false)
        return Resolution(entry: entry, lowerDirectory: nil, lowerDirectories: [])
    }
}
