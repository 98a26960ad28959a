import Glibc
import LaminaSystem

/// Where a node lives: the upper copy of a directory is its own cached handle, reopened from its
/// parent's handle and its name when the cache closed it; any other upper entry is its parent's
/// upper handle plus its name; a lower entry is its `LayerDirectory` plus its name. No path of more
/// than one component is ever resolved.
extension Overlay {
    /// Where a node's data and attributes come from right now.
    enum Location {
        /// (upper directory descriptor, name); "." for a directory's own upper copy.
        case upper(FileDescriptor, FileName)
        /// (lower directory, name); "." for the directory itself.
        case lower(LayerDirectory, FileName)
    }

    /// Runs `body` with the descriptor of `directory`'s upper copy (which exists: callers copied it
    /// up, or found it there).
    func withUpperDirectory<T>(_ directory: Node, _ body: (FileDescriptor) throws -> T) throws -> T {
        guard directory.parent != nil else { return try body(stack.upper) }
        let box = try directoryBox(directory)
        return try stack.cache.withDescriptor(box.upperHandle, open: { try openUpperDirectory(directory, box: box) }, body)
    }

    /// Opens the upper copy of `directory` by its current name in its parent's upper copy, checking
    /// it is the directory the node had. A rename moves the name on disk a moment before it moves
    /// it in the node (both under the directories' locks, which this does not take: it may run
    /// under one of them), so a name that is gone or leads elsewhere is read again, a few times.
    private func openUpperDirectory(_ directory: Node, box: DirectoryBox) throws -> FileDescriptor {
        for attempt in 0..<16 {
            guard let (parent, name) = directory.currentName else { break }
            if attempt > 0 { usleep(UInt32(50 * attempt)) }
            let opened: FileDescriptor
            do {
                opened = try withUpperDirectory(parent) { try DirectoryHandle.open(name, in: $0) }
            } catch let error as SystemError where error.errno == ENOENT {
                continue
            }
            let inode = UInt64(try opened.status().st_ino)
            let known = box.upperInode.load(ordering: .acquiring)
            if known == 0 || known == inode {
                if known == 0 { box.upperInode.store(inode, ordering: .releasing) }
                return opened
            }
            opened.close()
        }
        throw SystemError("open", errno: ENOENT, path: "#\(directory.id)")
    }

    /// Runs `body` with where `node` lives right now: its upper copy, else its top-most lower copy.
    func withLocation<T>(_ node: Node, _ body: (Location) throws -> T) throws -> T {
        if node.isUpper { return try withUpperLocation(node) { try body(.upper($0, $1)) } }
        if node.isDirectory {
            guard let box = node.directory, let top = try resolvedSources(of: node, box: box).first else {
                throw SystemError("path", errno: ENOENT, path: "#\(node.id)")
            }
            return try body(.lower(top, "."))
        }
        let lower = node.placement.withLock { $0.removed ? nil : ($0.lowerDirectory, $0.lowerName) }
        guard let (directory, name) = lower, let directory else { throw SystemError("path", errno: ENOENT, path: "#\(node.id)") }
        return try body(.lower(directory, name))
    }

    /// Runs `body` with (upper directory descriptor, name) of a node that has an upper copy (callers
    /// copied it up first); "." for a directory's own copy.
    func withUpperLocation<T>(_ node: Node, _ body: (FileDescriptor, FileName) throws -> T) throws -> T {
        if node.isDirectory { return try withUpperDirectory(node) { try body($0, ".") } }
        guard let (parent, name) = node.currentName else { throw SystemError("path", errno: ENOENT, path: "#\(node.id)") }
        return try withUpperDirectory(parent) { try body($0, name) }
    }

    /// Opens `node`'s file where it lives now (the upper copy when there is one), checking that the
    /// file opened is the node's own: a rename elsewhere can move a name between reading the node's
    /// name and opening it, and then the open is made again under the parent's lock.
    func openFile(of node: Node, flags: Int32) throws -> FileDescriptor {
        let flags = (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | OpenFlags.direct)) | O_NOFOLLOW
        do {
            let opened = try stack.cache.opening { try withLocation(node) { try open($0, flags: flags) } }
            if try !node.isUpper || inodes.number(of: opened.status()) == node.inode { return opened }
            opened.close()
        } catch let error as SystemError where error.errno == ENOENT && node.isUpper && !node.isRemoved {
            // Moved by a rename in flight: opened again below, where the name cannot move.
        }
        return try withSettledName(of: node) { try stack.cache.opening { try withLocation(node) { try open($0, flags: flags) } } }
    }

    /// The node's attributes as they are on disk (not yet merged), checked as `openFile` checks.
    func realAttributes(of node: Node) throws -> stat {
        do {
            let status = try withLocation(node) { try self.status($0) }
            if node.isDirectory || !node.isUpper || inodes.number(of: status) == node.inode { return status }
        } catch let error as SystemError where error.errno == ENOENT && !node.isDirectory && node.isUpper && !node.isRemoved {
            // As in `openFile`.
        }
        return try withSettledName(of: node) { try withLocation(node) { try self.status($0) } }
    }

    /// Runs `body` under the lock of the directory holding the node's name, once the name read
    /// before taking the lock is still the node's name under it (a rename changes both only while
    /// holding that lock). Callers hold no directory lock.
    private func withSettledName<T>(of node: Node, _ body: () throws -> T) throws -> T {
        for _ in 0..<8 {
            guard let (parent, name) = node.currentName, let box = parent.directory else { break }
            let result: T? = try box.state.withLock { _ in
                guard let (now, nowName) = node.currentName, now === parent, nowName == name else { return nil }
                return try body()
            }
            if let result { return result }
        }
        throw SystemError("open", errno: ENOENT, path: "#\(node.id)")
    }

    /// Closes the descriptors of a dropped directory node (its upper copy and the lower directories
    /// it alone held); ones in use are left to the cache's sweep.
    func releaseHandles(of box: DirectoryBox) {
        stack.cache.discard(box.upperHandle)
        let (lowerSources, resolved) = box.state.withLock { ($0.lowerSources, $0.resolvedSources ?? []) }
        for source in lowerSources + resolved { source.discard(stack.cache) }
    }

    // MARK: Reading a location

    func status(_ location: Location) throws -> stat {
        switch location {
        case .upper(let directory, let name): try directory.status(of: name)
        case .lower(let directory, let name): try directory.status(of: name, stack.cache)
        }
    }

    func open(_ location: Location, flags: Int32) throws -> FileDescriptor {
        switch location {
        case .upper(let directory, let name): try directory.open(name, flags: flags)
        case .lower(let directory, let name): try directory.open(name, flags: flags, stack.cache)
        }
    }

    func readLink(_ location: Location) throws -> [UInt8] {
        switch location {
        case .upper(let directory, let name): try directory.readSymbolicLink(name)
        case .lower(let directory, let name): try directory.readLink(name, stack.cache)
        }
    }

    func attributeNames(_ location: Location) throws -> [String] {
        switch location {
        case .upper(let directory, let name): try directory.extendedAttributeNames(of: name)
        case .lower(let directory, let name): try directory.attributeNames(of: name, stack.cache)
        }
    }

    func attribute(_ attribute: String, _ location: Location) throws -> [UInt8]? {
        switch location {
        case .upper(let directory, let name): try directory.extendedAttribute(attribute, of: name)
        case .lower(let directory, let name): try directory.attribute(attribute, of: name, stack.cache)
        }
    }
}
