import Glibc
import LaminaSystem

/// Finding nodes, their indexes and where they live: the helpers every operation starts with.
extension Overlay {
    static func makeRoot(stack: LayerStack, inodes: InodeNumbers) throws -> Node {
        let top = try stack.roots[0].status()
        let lowers = (stack.firstLower..<stack.count).map { LayerPath(layer: $0, path: ".") }
        let placement = Node.Placement(
            parent: nil, name: "", lowerDirectory: lowers.first, lowerName: "", lowerDirectoryCount: lowers.count)
        return Node(id: rootNode, inode: inodes.number(of: top), type: S_IFDIR, placement: placement,
                    hasUpper: stack.hasUpper, lowerSources: lowers)
    }

    func requireWritable(_ operation: String) throws {
        if !stack.hasUpper { throw SystemError(operation, errno: EROFS) }
    }

    func directoryNode(_ id: NodeID) throws -> Node {
        let node = try nodes.node(id)
        guard node.isDirectory else { throw SystemError("lookup", errno: ENOTDIR, path: "#\(id)") }
        return node
    }

    /// Rejects names that cannot be an entry: empty, with a slash, ".", "..", and names in the
    /// whiteout namespace (`.wh.`), which the merged view cannot hold.
    func validateNew(_ name: String, operation: String) throws {
        if name.isEmpty || name == "." || name == ".." || name.contains("/") || name.utf8.count > 255 {
            throw SystemError(operation, errno: name.utf8.count > 255 ? ENAMETOOLONG : EINVAL, path: name)
        }
        if name.hasPrefix(Whiteout.prefix) {
            throw SystemError(operation, errno: EINVAL, path: name)
        }
    }

    /// Runs `body` with `directory`'s index, building it first if needed, under the directory lock.
    func withIndex<T>(_ directory: Node, _ body: (inout DirectoryIndex) throws -> T) throws -> T {
        try withBuiltState(directory) { state in try body(&state.index!) }
    }

    /// Runs `body` with the indexes of two directories, locked in NodeID order. When both are one
    /// directory, the second index is nil.
    func withIndexes<T>(
        _ first: Node, _ second: Node, _ body: (inout DirectoryIndex, inout DirectoryIndex?) throws -> T
    ) throws -> T {
        if first === second {
            return try withIndex(first) { index in
                var none: DirectoryIndex? = nil
                return try body(&index, &none)
            }
        }
        let (outer, inner) = first.id < second.id ? (first, second) : (second, first)
        return try withBuiltState(outer) { outerState in
            try withBuiltState(inner) { innerState in
                first === outer
                    ? try body(&outerState.index!, &innerState.index)
                    : try body(&innerState.index!, &outerState.index)
            }
        }
    }

    /// Locks `directory` and builds its index if it has none yet.
    private func withBuiltState<T>(_ directory: Node, _ body: (inout Node.DirectoryState) throws -> T) throws -> T {
        guard let box = directory.directory else { throw SystemError("index", errno: ENOTDIR, path: "#\(directory.id)") }
        return try box.state.withLock { state in
            if state.index == nil {
                let index = try buildIndex(directory, lowerSources: state.lowerSources)
                directory.placement.withLock { $0.lowerDirectoryCount = Int32(clamping: index.sources.count) }
                state.index = index
            }
            return try body(&state)
        }
    }

    private func buildIndex(_ directory: Node, lowerSources: [LayerPath]) throws -> DirectoryIndex {
        var upperPath: String?
        if directory.isUpper {
            upperPath = try self.upperPath(of: directory)
        }
        return try DirectoryIndex.build(stack: stack, inodes: inodes, upperPath: upperPath, lowerSources: lowerSources)
    }

    /// The node's path in the upper layer (its merged path); ENOENT once it was removed.
    func upperPath(of node: Node) throws -> String {
        guard let path = node.mergedPath() else { throw SystemError("path", errno: ENOENT, path: "#\(node.id)") }
        return path
    }

    /// The root descriptor and path the node's data and attributes come from right now.
    func location(of node: Node) throws -> (root: FileDescriptor, path: String) {
        if node.isUpper { return (stack.upper, try upperPath(of: node)) }
        let lower = node.placement.withLock { $0.removed ? nil : $0.lower }
        guard let lower else { throw SystemError("path", errno: ENOENT, path: "#\(node.id)") }
        return (stack.roots[lower.layer], lower.path)
    }

    /// The node's attributes as the merged view reports them.
    func mergedAttributes(of node: Node) throws -> stat {
        let found = try unlessFailing(with: ENOENT) {
            let (root, path) = try location(of: node)
            return try root.status(of: path)
        }
        if let found { return merged(found, of: node) }
        // Unlinked while open: the open descriptor still knows the file.
        if let orphan = orphans.descriptor(of: node) { return merged(try orphan.status(), of: node) }
        guard let handle = files.first(where: { $0.node === node }) else {
            throw SystemError("stat", errno: ENOENT, path: "#\(node.id)")
        }
        return merged(try handle.currentDescriptor.status(), of: node)
    }

    /// A real stat rewritten for the merged view: the merged inode number, and st_nlink = 1 for a
    /// directory merged from several layers (as overlayfs reports it).
    func merged(_ real: stat, of node: Node) -> stat {
        var status = real
        status.st_ino = __ino_t(truncatingIfNeeded: node.inode)
        if node.isDirectory {
            let lowerCount = node.placement.withLock { $0.lowerDirectoryCount }
            if lowerCount + (node.isUpper ? 1 : 0) > 1 { status.st_nlink = 1 }
        }
        return status
    }

    func entry(for node: Node, attributes: stat) -> Entry {
        Entry(node: node.id, generation: 0, attributes: attributes, immutable: !stack.hasUpper)
    }

    func fileHandle(_ handle: UInt64) throws -> FileHandle {
        guard let file = files.value(handle) else { throw SystemError("handle", errno: EBADF, path: "#\(handle)") }
        return file
    }

    func listing(_ handle: UInt64) throws -> DirectoryListing {
        guard let listing = directories.value(handle) else {
            throw SystemError("handle", errno: EBADF, path: "#\(handle)")
        }
        return listing
    }
}
