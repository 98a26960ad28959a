import Glibc
import LaminaSystem

/// rename, with RENAME_NOREPLACE and RENAME_EXCHANGE.
///
/// Both names are made upper first (a lower file is copied up; a lower directory gets an upper
/// copy of its own metadata). A directory with lower contents is then marked with an absolute
/// `overlay.redirect` to its lower path, so it keeps its contents under the new name (where
/// kernel overlayfs without redirect_dir answers EXDEV); a purely upper directory moved into a
/// merged directory is marked opaque. The old name gets a whiteout when lower layers hold it.
extension Overlay {
    func move(parent: NodeID, name: String, newParent: NodeID, newName: String, flags: RenameFlags) throws {
        try requireWritable("rename")
        if flags.contains(.whiteout) || (flags.contains(.exchange) && flags.contains(.noReplace)) {
            throw SystemError("rename", errno: EINVAL, path: name)
        }
        try validateNew(newName, operation: "rename")
        let source = try directoryNode(parent)
        let target = try directoryNode(newParent)
        try copyUp(source)
        try copyUp(target)
        try copyUpChild(parent: source, name: name)
        if flags.contains(.exchange) { try copyUpChild(parent: target, name: newName) }
        try withIndexes(source, target) { sourceIndex, targetIndex in
            var move = Move(source: source, name: name, target: target, newName: newName, flags: flags)
            try move.run(in: self, sourceIndex: &sourceIndex, targetIndex: &targetIndex)
        }
    }
}

/// One rename, run under the locks of both parent directories.
private struct Move {
    let source: Node
    let name: String
    let target: Node
    let newName: String
    let flags: RenameFlags

    mutating func run(in overlay: Overlay, sourceIndex: inout DirectoryIndex, targetIndex: inout DirectoryIndex?) throws {
        let upper = overlay.stack.upper
        guard let moving = sourceIndex.entry(named: name), overlay.stack.isUpper(moving.layer) else {
            throw SystemError("rename", errno: ENOENT, path: name)
        }
        let replaced = targetIndex?.entry(named: newName) ?? (targetIndex == nil ? sourceIndex.entry(named: newName) : nil)
        if source === target && name == newName { return }
        if let replaced, replaced.inode == moving.inode, !moving.isDirectory { return }  // two names of one file
        let targetDirectory = try overlay.upperPath(of: target)
        let sourcePath = LayerPath.join(try overlay.upperPath(of: source), name)
        let targetPath = LayerPath.join(targetDirectory, newName)
        let targetLowers = targetIndex?.sources.isEmpty ?? sourceIndex.sources.isEmpty
        let exchange = flags.contains(.exchange)

        if exchange {
            guard let replaced, overlay.stack.isUpper(replaced.layer) else {
                throw SystemError("rename", errno: ENOENT, path: newName)
            }
        } else if let replaced {
            if flags.contains(.noReplace) { throw SystemError("rename", errno: EEXIST, path: newName) }
            if moving.isDirectory && !replaced.isDirectory { throw SystemError("rename", errno: ENOTDIR, path: newName) }
            if !moving.isDirectory && replaced.isDirectory { throw SystemError("rename", errno: EISDIR, path: newName) }
            if replaced.isDirectory {
                let lowers = (targetIndex ?? sourceIndex).lowerDirectories(of: replaced)
                try overlay.requireMergedEmpty(
                    path: overlay.stack.isUpper(replaced.layer) ? targetPath : nil, lowerDirectories: lowers)
            }
        }

        if moving.isDirectory {
            try overlay.markMovedDirectory(sourcePath, lowerDirectories: sourceIndex.lowerDirectories(of: moving),
                                           intoMerged: !targetLowers)
        }
        if exchange, let replaced, replaced.isDirectory {
            try overlay.markMovedDirectory(targetPath, lowerDirectories: (targetIndex ?? sourceIndex).lowerDirectories(of: replaced),
                                           intoMerged: !sourceIndex.sources.isEmpty)
        }

        // Both nodes are found by their old names before either name changes.
        let movingNode = overlay.nodes.node(in: source, named: name, inode: moving.inode)
        let leavingNode = exchange ? replaced.flatMap { overlay.nodes.node(in: target, named: newName, inode: $0.inode) } : nil
        var arriving = moving
        arriving.name = newName
        arriving.lowerPositions = []
        if exchange, var leaving = replaced {
            try upper.rename(sourcePath, to: upper, targetPath, flags: .exchange)
            arriving.inLower = leaving.inLower
            leaving.name = name
            leaving.inLower = moving.inLower
            leaving.lowerPositions = []
            sourceIndex.insert(leaving)
            if targetIndex != nil { targetIndex!.insert(arriving) } else { sourceIndex.insert(arriving) }
            overlay.moveName(leavingNode, from: target, newName, to: source, name)
        } else {
            let whiteout = replaced == nil
                ? try Whiteout.find(in: upper, directory: targetDirectory, name: newName) : nil
            let orphan = replaced.flatMap { overlay.openIfLastName(parent: target, entry: $0) }
            try overlay.renameLeavingWhiteout(sourcePath, to: targetPath, leaveWhiteout: moving.inLower,
                                              isDirectory: moving.isDirectory, over: whiteout)
            arriving.inLower = replaced.map { $0.inLower || !overlay.stack.isUpper($0.layer) } ?? (whiteout != nil)
            sourceIndex.remove(named: name)
            if targetIndex != nil { targetIndex!.insert(arriving) } else { sourceIndex.insert(arriving) }
            if let replaced { overlay.keepOrphan(orphan, lostLastName: overlay.forgetName(parent: target, entry: replaced)) }
        }
        overlay.moveName(movingNode, from: source, name, to: target, newName)
    }
}

extension Overlay {
    /// Before a directory moves: one with lower contents gets a redirect to its lower path; one
    /// without, moving into a merged directory, becomes opaque (lower namesakes must not merge in).
    func markMovedDirectory(_ path: String, lowerDirectories: [LayerPath], intoMerged: Bool) throws {
        let directory = try stack.upper.open(path, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        defer { directory.close() }
        let markers = try DirectoryMarkers.read(directory)
        if markers.opaque || markers.redirect != nil { return }
        if let origin = lowerDirectories.first {
            try directory.setExtendedAttribute(attributes.redirect, value: Array(("/" + origin.path).utf8))
        } else if intoMerged {
            try directory.setExtendedAttribute(attributes.opaque, value: Array("y".utf8))
        }
    }

    /// Renames in the upper layer, leaving a whiteout at the old name when lower layers hold it.
    func renameLeavingWhiteout(
        _ sourcePath: String, to targetPath: String, leaveWhiteout: Bool, isDirectory: Bool, over whiteout: Whiteout.Form?
    ) throws {
        let upper = stack.upper
        if isDirectory && whiteout == .device {
            // rename(2) cannot put a directory over a device: swap; the whiteout lands at the old name.
            try upper.rename(sourcePath, to: upper, targetPath, flags: .exchange)
            if !leaveWhiteout { try upper.unlink(sourcePath) }
            return
        }
        if leaveWhiteout {
            let done: Void? = try unlessFailing(with: EINVAL, EPERM) {
                try upper.rename(sourcePath, to: upper, targetPath, flags: .whiteout)
            }
            if done == nil {
                try upper.rename(sourcePath, to: upper, targetPath)
                try makeWhiteout(at: sourcePath)
            }
        } else {
            try upper.rename(sourcePath, to: upper, targetPath)
        }
        if whiteout == .file { try Whiteout.removeFile(in: upper, for: targetPath) }
    }

    /// The node that was called (`parent`, `name`) is now called (`newParent`, `newName`).
    func moveName(_ node: Node?, from parent: Node, _ name: String, to newParent: Node, _ newName: String) {
        guard let node else { return }
        if case .name = nodes.key(of: node) { nodes.rekey(node, to: .name(parent: newParent.id, newName)) }
        if node.moveLink(parent: parent, name: name, to: newParent, newName) {
            nodes.reparent(node, from: parent, to: newParent)
        }
    }
}
