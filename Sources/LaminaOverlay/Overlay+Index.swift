import Glibc
import LaminaSystem

/// A directory's merged index: built from listings read with no lock held, installed under the
/// directory's lock only if nothing changed the directory meanwhile; then every change to the
/// directory runs under that lock with the index at hand.
extension Overlay {
    /// Runs `body` under `directory`'s lock with its index (built first if needed), for a change to
    /// the directory's entries: the change's syscalls run inside `body`, and a build that read the
    /// layers before it will not be installed after it.
    func withIndex<T>(_ directory: Node, _ body: (inout DirectoryIndex) throws -> T) throws -> T {
        let box = try directoryBox(directory)
        try ensureIndex(directory, box: box)
        return try box.state.withLock { state in
            state.generation &+= 1
            return try body(&state.index!)
        }
    }

    /// Runs `body` with the indexes of several directories (duplicates allowed), each built first
    /// if needed, all locked in increasing NodeID order (the one order directory locks are ever
    /// taken in), for a change to their entries.
    func withIndexes<T>(_ directories: [Node], _ body: (inout LockedIndexes) throws -> T) throws -> T {
        var unique: [Node] = []
        for directory in directories.sorted(by: { $0.id < $1.id }) where unique.last !== directory {
            unique.append(directory)
        }
        let boxes = try unique.map { try directoryBox($0) }
        for (directory, box) in zip(unique, boxes) { try ensureIndex(directory, box: box) }
        var locked = LockedIndexes(order: unique.map(\.id))
        return try lockIndexes(boxes[...], into: &locked, body)
    }

    private func lockIndexes<T>(
        _ boxes: ArraySlice<DirectoryBox>, into locked: inout LockedIndexes, _ body: (inout LockedIndexes) throws -> T
    ) throws -> T {
        guard let box = boxes.first else { return try body(&locked) }
        var result: Result<T, any Error>?
        box.state.withLock { state in
            state.generation &+= 1
            // The index moves out of the state for the call and back (no copy of its entries).
            locked.indexes.append(state.index.take() ?? DirectoryIndex())
            defer { state.index = locked.indexes.removeLast() }
            result = Result { try lockIndexes(boxes.dropFirst(), into: &locked, body) }
        }
        guard let result else { throw SystemError("lock", errno: EDEADLK) }
        return try result.get()
    }

    /// Reads the index of `directory` without changing it: `body` runs under the lock for memory
    /// work only.
    func readIndex<T>(_ directory: Node, _ body: (DirectoryIndex) throws -> T) throws -> T {
        let box = try directoryBox(directory)
        try ensureIndex(directory, box: box)
        return try box.state.withLock { state in try body(state.index!) }
    }

    /// Marks a change to `directory`'s entries made without its index (a copy-up into a directory
    /// that was only probed): a build in flight must not be installed.
    func noteChange(_ directory: Node) {
        directory.directory?.state.withLock { $0.generation &+= 1 }
    }

    func directoryBox(_ directory: Node) throws -> DirectoryBox {
        guard let box = directory.directory else { throw SystemError("index", errno: ENOTDIR, path: "#\(directory.id)") }
        return box
    }

    /// Builds the index unless there is one: the layers are read with no lock held, and the result
    /// is installed if the directory did not change meanwhile (else read again; after a few tries,
    /// under the lock, so a directory changed without pause still gets its index).
    func ensureIndex(_ directory: Node, box: DirectoryBox) throws {
        for attempt in 0..<4 {
            let (present, generation, lowerSources) = box.state.withLock { state in
                (state.index != nil, state.generation, state.lowerSources)
            }
            if present { return }
            if attempt == 3 {
                return try box.state.withLock { state in
                    if state.index == nil { install(try buildIndex(directory, lowerSources: lowerSources), in: &state, of: directory) }
                }
            }
            box.state.withLock { $0.building = true }
            let built: DirectoryIndex
            do {
                built = try buildIndex(directory, lowerSources: lowerSources)
            } catch {
                box.state.withLock { $0.building = false }
                throw error
            }
            let installed = box.state.withLock { state -> Bool in
                state.building = false
                if state.index != nil { return true }
                guard state.generation == generation else { return false }
                install(built, in: &state, of: directory)
                return true
            }
            if installed { return }
        }
    }

    private func install(_ index: DirectoryIndex, in state: inout DirectoryBox.State, of directory: Node) {
        state.index = index
        state.resolvedSources = index.sources
        directory.directory?.lowerDirectoryCount.store(Int32(clamping: index.sources.count), ordering: .relaxed)
    }

    /// Reads every copy of the directory and merges them.
    private func buildIndex(_ directory: Node, lowerSources: [LayerDirectory]) throws -> DirectoryIndex {
        let copies = try resolveCopies(of: directory, lowerSources: lowerSources, reading: .listings)
        var layers: [DirectoryIndex.Layer] = []
        layers.reserveCapacity(copies.count)
        for copy in copies {
            let listing: LayerListing
            if let read = copy.listing {
                listing = read
            } else if let source = copy.source {
                listing = try source.listing(stack.cache, markers: copy.markers)
            } else {
                listing = try withUpperDirectory(directory) { handle in
                    try stack.cache.opening { try LayerListing.read(handle, markers: copy.markers) }
                }
            }
            layers.append(DirectoryIndex.Layer(layer: copy.layer, source: copy.source, listing: listing))
        }
        return DirectoryIndex.merge(layers, inodes: inodes, devices: stack.devices)
    }
}
