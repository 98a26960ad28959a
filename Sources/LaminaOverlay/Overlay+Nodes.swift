import Glibc
import LaminaSystem

/// Finding nodes and their attributes: the helpers every operation starts with.
extension Overlay {
    static func makeRoot(stack: LayerStack, inodes: InodeNumbers) throws -> Node {
        let lowers = stack.lowerRootDirectories
        guard let top = try stack.upperRoot?.status() ?? lowers.first?.status(of: ".", stack.cache) else {
            throw SystemError("mount: no layer", errno: EINVAL)
        }
        let placement = Node.Placement(
            parent: nil, name: ".", lowerDirectory: nil, lowerName: ".")
        let root = Node(id: rootNode, inode: inodes.number(of: top), type: S_IFDIR, placement: placement,
                        hasUpper: stack.hasUpper, lowerSources: lowers)
        if stack.hasUpper { root.directory?.upperInode.store(UInt64(top.st_ino), ordering: .releasing) }
        return root
    }

    func requireWritable(_ operation: String) throws {
        if !stack.hasUpper { throw SystemError(operation, errno: EROFS) }
    }

    func directoryNode(_ id: NodeID) throws -> Node {
        let node = try nodes.node(id)
        guard node.isDirectory else { throw SystemError("lookup", errno: ENOTDIR, path: "#\(id)") }
        return node
    }

    /// Rejects names that cannot be a new entry: "." and "..", and names in the whiteout namespace
    /// (`.wh.`), which the merged view cannot hold. (`FileName` already is 1-255 bytes without '/'.)
    func validateNew(_ name: FileName, operation: String) throws {
        if name.isDotOrDotDot { throw SystemError(operation, errno: EINVAL, path: name.description) }
        if Whiteout.isMarkerName(name) { throw SystemError(operation, errno: EINVAL, path: name.description) }
    }

    /// The node's attributes as the merged view reports them.
    func mergedAttributes(of node: Node) throws -> stat {
        let found = try unlessFailing(with: ENOENT) { try realAttributes(of: node) }
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
            let lowerCount = node.directory?.lowerDirectoryCount.load(ordering: .relaxed) ?? 0
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
