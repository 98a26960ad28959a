import Glibc
import LaminaSystem

/// Files the kernel opened without an OPEN request. With FUSE's no-open mode (`Bridge` asks for it)
/// the kernel opens, closes and serves cached pages of a file with no round trip to the daemon;
/// reads, writes, fsync, fallocate and truncate then arrive with handle 0. Each such call opens the
/// node where it lives right now (its upper copy, else its top-most lower copy) for its own
/// duration. A write copies the file up first: kernel overlayfs copies up when a file is opened for
/// writing, Lamina when it is first written (the merged view is the same; only an open for writing
/// that never writes leaves no upper copy).
///
/// Open-then-unlink: when a regular file the kernel holds loses its last name, the engine opens it
/// first and keeps that descriptor (`OrphanDescriptors`) until the kernel forgets the node. The
/// kernel drops a file's link count to zero when its last name goes, and evicts (and so forgets)
/// an inode with no links as soon as nothing holds it, so the descriptor lives exactly as long as
/// some process still has the file open, and the file's space is freed when the last one closes it.
extension Overlay {
    /// Runs `body` with a descriptor of `node` open for reading, or for writing after a copy-up.
    func withUnopenedDescriptor<T>(_ node: Node, writing: Bool, _ body: (FileDescriptor) throws -> T) throws -> T {
        if writing, let orphan = try orphans.writableDescriptor(of: node, promote: { orphan in try stack.cache.opening { try privateCopy(of: orphan) } }) {
            return try body(orphan)
        }
        if let orphan = orphans.descriptor(of: node) { return try body(orphan) }
        if writing {
            try requireWritable("write")
            try copyUp(node)
        }
        let descriptor = try openFile(of: node, flags: writing ? O_WRONLY : O_RDONLY)
        defer { descriptor.close() }
        return try body(descriptor)
    }

    /// A writable copy of an orphan that was a lower file: an unnamed file in the work directory
    /// (O_TMPFILE, freed when its last descriptor closes) with the same data, owner, mode and times.
    /// The lower file itself never changes.
    func privateCopy(of orphan: FileDescriptor) throws -> FileDescriptor {
        guard let work else { throw SystemError("write", errno: EROFS) }
        let status = try orphan.status()
        let copy = try work.descriptor.open(".", flags: OpenFlags.temporaryFile | O_RDWR, mode: 0o600)
        do {
            try copy.copyData(from: orphan)
            try copy.setOwner(uid: status.st_uid, gid: status.st_gid)
            try copy.setMode(status.st_mode & 0o7777)
            try copy.setTimes(access: status.st_atim, modification: status.st_mtim)
        } catch {
            copy.close()
            throw error
        }
        return copy
    }

    /// fsync of a file opened without a handle: only an upper copy (or an orphan) has anything to sync.
    func synchronizeUnopened(_ node: Node, dataOnly: Bool) throws {
        if let orphan = orphans.descriptor(of: node) { return try orphan.synchronize(dataOnly: dataOnly) }
        guard node.isUpper else { return }
        let descriptor = try openFile(of: node, flags: O_RDONLY)
        defer { descriptor.close() }
        try descriptor.synchronize(dataOnly: dataOnly)
    }

    /// Before the name (`parent`, `entry`) goes (the caller holds `parent`'s lock): when it is the
    /// last name of a regular file the kernel holds, a descriptor of the file as it is now (its
    /// upper copy read-write, or its lower copy read-only), for `keepOrphan`.
    ///
    /// Throws EMFILE when as many orphans are kept as `OrphanDescriptors.ceiling` allows, or the
    /// daemon is out of descriptors even after closing idle ones (EMFILE, ENFILE): the name must
    /// then stay, because removing it would lose the file for a process that still has it open
    /// (the unlink or rename fails instead, and works once holders close files).
    func openIfLastName(parent: Node, entry: DirectoryIndex.Entry) throws -> (Node, FileDescriptor)? {
        guard entry.fileType == S_IFREG,
              let node = nodes.node(in: parent, named: entry.name, inode: entry.inode),
              node.placement.withLock({ $0.otherLinks.isEmpty })
        else { return nil }
        let kept = orphans.keptCount
        if kept >= 16, kept >= OrphanDescriptors.ceiling(descriptorLimit: ResourceLimits.openFileLimit()) {
            throw SystemError("unlink", errno: EMFILE, path: entry.name.description)
        }
        do {
            let flags = (node.isUpper ? O_RDWR : O_RDONLY) | O_NOFOLLOW
            return (node, try stack.cache.opening { try withLocation(node) { try open($0, flags: flags) } })
        } catch let error as SystemError where error.errno == EMFILE || error.errno == ENFILE {
            throw error
        } catch {
            return nil  // gone or unreadable: nothing a holder could still read either
        }
    }

    /// Keeps the descriptor `openIfLastName` made if the node did lose its last name; closes it otherwise.
    func keepOrphan(_ opened: (Node, FileDescriptor)?, lostLastName: Bool) {
        guard let (node, descriptor) = opened else { return }
        if lostLastName { orphans.keep(descriptor, for: node, writable: node.isUpper) } else { descriptor.close() }
    }
}
