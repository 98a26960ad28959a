import Glibc
import LaminaSystem

/// rename, with RENAME_NOREPLACE and RENAME_EXCHANGE.
///
/// Both names are made upper first (a lower file is copied up; a lower directory gets an upper
/// copy of its own metadata). A directory with lower contents is then marked with an absolute
/// `overlay.redirect` to its lower path, so it keeps its contents under the new name (where
/// kernel overlayfs without redirect_dir answers EXDEV); a purely upper directory moved into a
/// merged directory is marked opaque. The old name gets a whiteout when lower layers hold it. A
/// directory replaced by the rename is locked with both parents (so nothing is created in it
/// between the check that it is empty and the rename) and its upper copy moved to the work
/// directory first, to be emptied of its whiteouts there once no lock is held.
extension Overlay {
    func move(parent: NodeID, name: FileName, newParent: NodeID, newName: FileName, flags: RenameFlags) throws {
        try requireWritable("rename")
        if flags.contains(.whiteout) || (flags.contains(.exchange) && flags.contains(.noReplace)) {
            throw SystemError("rename", errno: EINVAL, path: name.description)
        }
        try validateNew(newName, operation: "rename")
        let source = try directoryNode(parent)
        let target = try directoryNode(newParent)
        try copyUp(source)
        try copyUp(target)
        try copyUpChild(parent: source, name: name)
        if flags.contains(.exchange) { try copyUpChild(parent: target, name: newName) }
        // A directory the rename would replace is locked too (it must stay empty).
        var victim: Node?
        if !flags.contains(.exchange), !flags.contains(.noReplace),
           let replaced = try resolve(newName, in: target), replaced.isDirectory
        {
            victim = try nodes.node(lookupEntry(parent: target.id, name: newName).node)
        }
        defer { if let victim { forget(victim.id, lookups: 1) } }
        var leftover: FileName?
        try withIndexes([source, target] + (victim.map { [$0] } ?? [])) { locked in
            let move = Move(source: source, name: name, target: target, newName: newName, flags: flags, victim: victim)
            leftover = try move.run(in: self, &locked)
        }
        if let leftover { try? work?.removeTree(leftover) }
    }
}

/// One rename, run under the locks of both parent directories (and of a directory it replaces).
private struct Move {
    let source: Node
    let name: FileName
    let target: Node
    let newName: FileName
    let flags: RenameFlags
    let victim: Node?

    /// Returns the temporary name of a replaced directory's upper copy, moved to the work directory.
    func run(in overlay: Overlay, _ locked: inout LockedIndexes) throws -> FileName? {
        guard let moving = locked[source].entry(named: name), overlay.stack.isUpper(moving.layer) else {
            throw SystemError("rename", errno: ENOENT, path: name.description)
        }
        let replaced = locked[target].entry(named: newName)
        if source === target && name == newName { return nil }
        if let replaced, replaced.inode == moving.inode, !moving.isDirectory { return nil }  // two names of one file
        let exchange = flags.contains(.exchange)
        if exchange {
            guard let replaced, overlay.stack.isUpper(replaced.layer) else {
                throw SystemError("rename", errno: ENOENT, path: newName.description)
            }
        } else if let replaced {
            if flags.contains(.noReplace) { throw SystemError("rename", errno: EEXIST, path: newName.description) }
            if moving.isDirectory && !replaced.isDirectory { throw SystemError("rename", errno: ENOTDIR, path: newName.description) }
            if !moving.isDirectory && replaced.isDirectory { throw SystemError("rename", errno: EISDIR, path: newName.description) }
            if replaced.isDirectory {
                guard let victim, overlay.nodes.node(in: target, named: newName, inode: replaced.inode) === victim else {
                    throw SystemError("rename", errno: EBUSY, path: newName.description)  // changed meanwhile
                }
                guard locked[victim].isEmpty else { throw SystemError("rename", errno: ENOTEMPTY, path: newName.description) }
            }
        }
        let targetMerges = !locked[target].sources.isEmpty
        let sourceMerges = !locked[source].sources.isEmpty
        return try overlay.withUpperDirectory(source) { sourceDirectory in
            try overlay.withUpperDirectory(target) { targetDirectory in
                if moving.isDirectory {
                    try overlay.markMovedDirectory(name, in: sourceDirectory, lowerDirectories: locked[source].lowerDirectories(of: moving),
                                                   parentSources: locked[source].sources, intoMerged: targetMerges,
                                                   sameParent: source === target)
                }
                if exchange, let replaced, replaced.isDirectory {
                    try overlay.markMovedDirectory(newName, in: targetDirectory, lowerDirectories: locked[target].lowerDirectories(of: replaced),
                                                   parentSources: locked[target].sources, intoMerged: sourceMerges,
                                                   sameParent: source === target)
                }
                // Both nodes are found by their old names before either name changes.
                let movingNode = overlay.nodes.node(in: source, named: name, inode: moving.inode)
                let leavingNode = exchange ? replaced.flatMap { overlay.nodes.node(in: target, named: newName, inode: $0.inode) } : nil
                var arriving = moving
                arriving.name = newName
                arriving.lowerPositions = []
                var leftover: FileName?
                if exchange, var leaving = replaced {
                    try sourceDirectory.rename(name, to: targetDirectory, newName, flags: .exchange)
                    arriving.inLower = leaving.inLower
                    leaving.name = name
                    leaving.inLower = moving.inLower
                    leaving.lowerPositions = []
                    locked[source].insert(leaving)
                    locked[target].insert(arriving)
                    overlay.moveName(leavingNode, from: target, newName, to: source, name)
                } else {
                    if let replaced, replaced.isDirectory, overlay.stack.isUpper(replaced.layer) {
                        // Its upper copy may hold whiteouts: out of the way first (rename(2) would
                        // find it not empty).
                        leftover = try overlay.moveAside(newName, in: targetDirectory, leavingWhiteout: false)
                    }
                    let whiteout = replaced == nil ? try Whiteout.find(in: targetDirectory, name: newName) : nil
                    let orphan = try replaced.flatMap { try overlay.openIfLastName(parent: target, entry: $0) }
                    try overlay.renameLeavingWhiteout(name, in: sourceDirectory, to: newName, in: targetDirectory,
                                                      leaveWhiteout: moving.inLower, isDirectory: moving.isDirectory, over: whiteout)
                    arriving.inLower = replaced.map { $0.inLower || !overlay.stack.isUpper($0.layer) } ?? (whiteout != nil)
                    locked[source].remove(named: name)
                    locked[target].insert(arriving)
                    if let replaced { overlay.keepOrphan(orphan, lostLastName: overlay.forgetName(parent: target, entry: replaced)) }
                }
                overlay.moveName(movingNode, from: source, name, to: target, newName)
                return leftover
            }
        }
    }
}

extension Overlay {
    /// Before a directory moves: one with lower contents gets a redirect to them, as the kernel
    /// writes it: its old name when it stays in its directory (a relative redirect, looked up in
    /// the parent's own lower directories), else its lower path from the layer root; one without,
    /// moving into a merged directory, becomes opaque (lower namesakes must not merge in). A
    /// relative redirect leaving its directory becomes the absolute path it meant (the old name in
    /// `parentSources`, the old parent's lower directories), as the kernel rewrites it: kept, it
    /// would name a lower directory beside the new parent. A path too long for the upper file
    /// system's xattrs answers EXDEV, as the kernel does, and `mv` then copies the directory instead.
    func markMovedDirectory(
        _ name: FileName, in parent: FileDescriptor, lowerDirectories: [LayerDirectory], parentSources: [LayerDirectory],
        intoMerged: Bool, sameParent: Bool
    ) throws {
        let directory = try stack.cache.opening { try parent.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW) }
        defer { directory.close() }
        let markers = try DirectoryMarkers.read(directory)
        if markers.opaque { return }
        let value: [UInt8]
        switch markers.redirect {
        case .absolute:
            return
        case .sibling where sameParent:
            return
        case .sibling(let oldName):
            guard let oldParent = parentSources.first else {
                // The old name had nothing below it: no lower contents to keep.
                try parent.removeExtendedAttribute(attributes.redirect, of: name)
                if intoMerged { try directory.setExtendedAttribute(attributes.opaque, value: Array("y".utf8)) }
                return
            }
            value = Redirect.value(absolute: oldParent.components + [oldName])
        case nil:
            guard let origin = lowerDirectories.first else {
                if intoMerged { try directory.setExtendedAttribute(attributes.opaque, value: Array("y".utf8)) }
                return
            }
            value = sameParent ? origin.name.bytes : Redirect.value(absolute: origin.components)
        }
        do throws(SystemError) {
            try directory.setExtendedAttribute(attributes.redirect, value: value)
        } catch {
            let tooLong = [ENOSPC, E2BIG, ERANGE].contains(error.errno)
            throw tooLong ? SystemError("rename", errno: EXDEV, path: name.description) : error
        }
    }

    /// Renames in the upper layer, leaving a whiteout at the old name when lower layers hold it.
    func renameLeavingWhiteout(
        _ name: FileName, in sourceDirectory: FileDescriptor, to newName: FileName, in targetDirectory: FileDescriptor,
        leaveWhiteout: Bool, isDirectory: Bool, over whiteout: Whiteout.Form?
    ) throws {
        if isDirectory && whiteout == .device {
            // rename(2) cannot put a directory over a device: swap; the whiteout lands at the old name.
            try sourceDirectory.rename(name, to: targetDirectory, newName, flags: .exchange)
            if !leaveWhiteout { try sourceDirectory.unlink(name) }
            return
        }
        if leaveWhiteout {
            let done: Void? = try unlessFailing(with: EINVAL, EPERM) {
                try sourceDirectory.rename(name, to: targetDirectory, newName, flags: .whiteout)
            }
            if done == nil {
                try sourceDirectory.rename(name, to: targetDirectory, newName)
                try makeWhiteout(name, in: sourceDirectory)
            }
        } else {
            try sourceDirectory.rename(name, to: targetDirectory, newName)
        }
        if whiteout == .file { try Whiteout.removeFile(in: targetDirectory, for: newName) }
    }

    /// The node that was called (`parent`, `name`) is now called (`newParent`, `newName`).
    func moveName(_ node: Node?, from parent: Node, _ name: FileName, to newParent: Node, _ newName: FileName) {
        guard let node else { return }
        if case .name = nodes.key(of: node) { nodes.rekey(node, to: .name(parent: newParent.id, newName)) }
        if node.moveLink(parent: parent, name: name, to: newParent, newName) {
            nodes.reparent(node, from: parent, to: newParent)
        }
    }
}
