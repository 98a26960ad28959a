import Glibc
import LaminaSystem

/// Making new entries (create, mknod, mkdir, symlink) in the upper layer, owned by the caller.
///
/// Over a whiteout character device the entry is built in the work directory and renamed over it
/// (a directory is exchanged with it and made opaque, so the deleted lower directory stays
/// hidden); over a `.wh.NAME` file it is made in place and the marker removed.
extension Overlay {
    /// Makes the object at (directory, name); returns an open descriptor when it opened one.
    typealias Maker = (FileDescriptor, FileName) throws -> FileDescriptor?

    func makeSpecialFile(parent: NodeID, name: FileName, mode: mode_t, device: dev_t, caller: Caller) throws -> Entry {
        let type = mode & S_IFMT == 0 ? S_IFREG : mode & S_IFMT
        if type == S_IFCHR && device == 0 {
            throw SystemError("mknod", errno: EPERM, path: name.description)  // indistinguishable from a whiteout
        }
        guard type != S_IFDIR && type != S_IFLNK else { throw SystemError("mknod", errno: EINVAL, path: name.description) }
        let (node, status, _) = try makeEntry(parent: parent, name: name, type: type, mode: mode, caller: caller,
                                              operation: "mknod") { directory, name in
            try directory.makeNode(name, mode: type | 0o600, device: device)
            return nil
        }
        return entry(for: node, attributes: merged(status, of: node))
    }

    func makeMergedDirectory(parent: NodeID, name: FileName, mode: mode_t, caller: Caller) throws -> Entry {
        let (node, status, _) = try makeEntry(parent: parent, name: name, type: S_IFDIR, mode: mode, caller: caller,
                                              operation: "mkdir") { directory, name in
            try directory.makeDirectory(name, mode: 0o700)
            return nil
        }
        return entry(for: node, attributes: merged(status, of: node))
    }

    func makeLink(parent: NodeID, name: FileName, target: [UInt8], caller: Caller) throws -> Entry {
        let (node, status, _) = try makeEntry(parent: parent, name: name, type: S_IFLNK, mode: 0o777, caller: caller,
                                              operation: "symlink") { directory, name in
            try directory.makeSymbolicLink(name, target: target)
            return nil
        }
        return entry(for: node, attributes: merged(status, of: node))
    }

    /// O_CREAT. `keepOpen: false` (the kernel opens files without OPEN requests, and so never
    /// sends RELEASE for this one either) closes the new file at once and answers handle 0.
    func createFile(parent: NodeID, name: FileName, mode: mode_t, flags: Int32, caller: Caller, keepOpen: Bool) throws -> (Entry, OpenedFile) {
        // O_DIRECT is the kernel's business: the page cache is above the mount, and the daemon's
        // own writes come with buffers of any alignment.
        let openFlags = (flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | OpenFlags.direct)) | O_NOFOLLOW
        let made = try unlessFailing(with: EEXIST) {
            try makeEntry(parent: parent, name: name, type: S_IFREG, mode: mode, caller: caller,
                          operation: "create") { directory, name in
                try directory.open(name, flags: openFlags | O_CREAT | O_EXCL, mode: 0o600)
            }
        }
        guard let made, let descriptor = made.2 else {
            // The name exists: open it, as open(2) with O_CREAT and without O_EXCL does.
            if flags & O_EXCL != 0 { throw SystemError("create", errno: EEXIST, path: name.description) }
            let found = try lookupEntry(parent: parent, name: name)
            // (O_TRUNC reaches the engine as a truncating setattr: atomic O_TRUNC is not negotiated.)
            if !keepOpen { return (found, OpenedFile(handle: 0, keepCache: false, upper: true)) }
            return (found, try openFile(nodes.node(found.node), flags: flags & ~O_CREAT))
        }
        let (node, status) = (made.0, made.1)
        guard keepOpen else {
            descriptor.close()
            return (entry(for: node, attributes: merged(status, of: node)), OpenedFile(handle: 0, keepCache: false, upper: true))
        }
        let file = register(node, descriptor: descriptor, flags: openFlags, follows: false)
        return (entry(for: node, attributes: merged(status, of: node)), OpenedFile(handle: file, keepCache: false, upper: true))
    }

    /// Makes `name` in `parent`'s upper directory with `make`, then gives it the caller's owner and
    /// `mode` (less the caller's umask, or, where the directory has a default ACL, what that list
    /// grants: `AccessControlList.inherited`), and counts one lookup on its new node.
    func makeEntry(
        parent id: NodeID, name: FileName, type: mode_t, mode: mode_t, caller: Caller, operation: String,
        make: Maker
    ) throws -> (Node, stat, FileDescriptor?) {
        try requireWritable(operation)
        try validateNew(name, operation: operation)
        let parent = try directoryNode(id)
        try copyUp(parent)
        return try withIndex(parent) { index in
            if index.entry(named: name) != nil { throw SystemError(operation, errno: EEXIST, path: name.description) }
            return try withUpperDirectory(parent) { directory in
                let parentStatus = try directory.status()
                let inherits = parentStatus.st_mode & S_ISGID != 0
                let inheritance = type == S_IFLNK ? nil : try defaultAccess(of: directory)?.inherited(by: mode & 0o7777, type: type)
                var ownership = Ownership(uid: caller.uid, gid: inherits ? parentStatus.st_gid : caller.gid,
                                          mode: inheritance?.mode ?? mode & ~caller.umask & 0o7777, type: type, opaque: false,
                                          access: inheritance?.access, defaults: inheritance?.defaults)
                if type == S_IFDIR && inherits { ownership.mode |= S_ISGID }
                let whiteout = try Whiteout.find(in: directory, name: name)
                ownership.opaque = type == S_IFDIR && whiteout != nil
                let descriptor = whiteout == .device
                    ? try makeOverWhiteout(name, in: directory, ownership: ownership, make: make)
                    : try makeInPlace(name, in: directory, ownership: ownership, removing: whiteout, make: make)
                let status = try directory.status(of: name)
                let resolution = upperResolution(name: name, status: status, inLower: whiteout != nil)
                index.insert(indexEntry(resolution))
                return (adopt(status, parent: parent, name: name, resolution: resolution), status, descriptor)
            }
        }
    }

    /// Who owns a new entry, its permission bits and the ACLs it inherits.
    struct Ownership {
        var uid: uid_t
        var gid: gid_t
        var mode: mode_t
        var type: mode_t
        var opaque: Bool
        var access: AccessControlList?
        var defaults: AccessControlList?
    }

    /// The default ACL of an upper directory; nil where it has none or its file system keeps none.
    /// Read for every new entry but a symlink, as the kernel reads it. The lists are set on the
    /// entry explicitly after its mode: one made in the work directory (over a whiteout) gets no
    /// list from its file system, and one made in place has the list its file system gave it for
    /// the private mode it was made with replaced.
    private func defaultAccess(of directory: FileDescriptor) throws -> AccessControlList? {
        let bytes: [UInt8]?
        do {
            bytes = try directory.extendedAttribute(AccessControlList.defaultAttribute)
        } catch {
            if error.errno == EOPNOTSUPP { return nil }
            throw error
        }
        return bytes.flatMap(AccessControlList.init(attribute:))
    }

    private func makeInPlace(
        _ name: FileName, in directory: FileDescriptor, ownership: Ownership, removing whiteout: Whiteout.Form?, make: Maker
    ) throws -> FileDescriptor? {
        let descriptor = try make(directory, name)
        do {
            try apply(ownership, in: directory, to: name)
            if whiteout == .file { try Whiteout.removeFile(in: directory, for: name) }
        } catch {
            descriptor?.close()
            try? WorkDirectory.removeTree(in: directory, name)
            throw error
        }
        return descriptor
    }

    private func makeOverWhiteout(_ name: FileName, in directory: FileDescriptor, ownership: Ownership, make: Maker) throws -> FileDescriptor? {
        guard let work else { throw SystemError("create", errno: EROFS, path: name.description) }
        let temporary = work.temporaryName()
        let descriptor = try make(work.descriptor, temporary)
        do {
            try apply(ownership, in: work.descriptor, to: temporary)
            if ownership.type == S_IFDIR {
                // rename(2) cannot put a directory over a device: swap them, then drop the whiteout.
                try work.descriptor.rename(temporary, to: directory, name, flags: .exchange)
                try work.descriptor.unlink(temporary)
            } else {
                try work.descriptor.rename(temporary, to: directory, name)
            }
        } catch {
            descriptor?.close()
            try? work.removeTree(temporary)
            throw error
        }
        return descriptor
    }

    private func apply(_ ownership: Ownership, in directory: FileDescriptor, to name: FileName) throws {
        try directory.setOwner(of: name, uid: ownership.uid, gid: ownership.gid)
        if ownership.type != S_IFLNK { try directory.setMode(ownership.mode, of: name) }
        if let access = ownership.access {
            try directory.setExtendedAttribute(AccessControlList.accessAttribute, value: access.attribute, of: name)
        }
        if let defaults = ownership.defaults {
            try directory.setExtendedAttribute(AccessControlList.defaultAttribute, value: defaults.attribute, of: name)
        }
        if ownership.opaque {
            try directory.setExtendedAttribute(attributes.opaque, value: Array("y".utf8), of: name)
        }
    }
}
