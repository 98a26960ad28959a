import Glibc
import LaminaSystem

/// Lookups: one hash probe in the parent's index (or, while the parent has none, a probe of each
/// layer for that one name: `Overlay+Probe`), then one fstatat in the layer holding the name.
extension Overlay {
    /// Where a name of a directory resolves.
    struct Resolution {
        var name: FileName
        /// The top-most layer holding the name.
        var layer: Int
        /// d_type of the top-most copy.
        var type: UInt8
        var inode: UInt64
        /// Some lower layer holds the name (removing it leaves a whiteout).
        var inLower: Bool
        /// The lower directory holding the top-most lower copy (nil: upper only).
        var lowerDirectory: LayerDirectory?
        /// For a directory: the lower directories it merges.
        var lowerDirectories: [LayerDirectory]

        init(_ entry: DirectoryIndex.Entry, in index: DirectoryIndex) {
            name = entry.name
            layer = entry.layer
            type = entry.type
            inode = entry.inode
            inLower = entry.inLower
            lowerDirectory = index.lowerDirectory(of: entry)
            lowerDirectories = index.lowerDirectories(of: entry)
        }

        init(name: FileName, layer: Int, type: UInt8, inode: UInt64, inLower: Bool,
             lowerDirectory: LayerDirectory?, lowerDirectories: [LayerDirectory]) {
            self.name = name
            self.layer = layer
            self.type = type
            self.inode = inode
            self.inLower = inLower
            self.lowerDirectory = lowerDirectory
            self.lowerDirectories = lowerDirectories
        }

        var isDirectory: Bool { type == UInt8(DT_DIR) }
    }

    func lookupEntry(parent: NodeID, name: FileName) throws -> Entry {
        let directory = try directoryNode(parent)
        guard let resolution = try resolve(name, in: directory) else {
            throw SystemError("lookup", errno: ENOENT, path: name.description)
        }
        let status: stat
        if stack.isUpper(resolution.layer) {
            status = try withUpperDirectory(directory) { try $0.status(of: name) }
        } else if let lower = resolution.lowerDirectory {
            status = try lower.status(of: name, stack.cache)
        } else {
            throw SystemError("lookup", errno: ENOENT, path: name.description)
        }
        let node = adopt(status, parent: directory, name: name, resolution: resolution)
        return entry(for: node, attributes: merged(status, of: node))
    }

    /// Where `name` resolves in `directory` now; nil when the merged view has no such name.
    func resolve(_ name: FileName, in directory: Node) throws -> Resolution? {
        if name.isDotOrDotDot || Whiteout.isMarkerName(name) { return nil }
        let box = try directoryBox(directory)
        enum Answer { case indexed(Resolution?), probe, build, weigh }
        let answer = box.state.withLock { state -> Answer in
            if let index = state.index {
                return .indexed(index.entry(named: name).map { Resolution($0, in: index) })
            }
            if state.building { return .probe }
            guard let budget = state.probeBudget else { return .weigh }
            state.probes += 1
            return state.probes > budget ? .build : .probe
        }
        switch answer {
        case .indexed(let resolution):
            return resolution
        case .weigh:
            let budget = try probeBudget(directory, box: box)
            box.state.withLock { state in
                if state.probeBudget == nil { state.probeBudget = budget }
            }
            return try resolve(name, in: directory)
        case .probe:
            return try probe(name, in: directory, box: box)
        case .build:
            try ensureIndex(directory, box: box)
            return box.state.withLock { state in
                state.index.flatMap { index in index.entry(named: name).map { Resolution($0, in: index) } }
            }
        }
    }

    /// How many lookups a directory without an index answers by probing its layers before it is
    /// read whole, so that probing never costs more than the build it may avoid (a rent-or-buy
    /// rule). A probe costs two syscalls per copy (the name, then its `.wh.` whiteout); a build
    /// costs each copy an open and a final getdents, and one call and about 4 KiB of names to
    /// index per block (a copy's st_size; an indexed copy costs no syscall, 32 bytes an entry).
    /// Small directories, whatever the depth, are built at once: 20 lookups in each of 100
    /// one-block directories cost 1.6x the old engine's figure at 1 layer while every lookup
    /// probed first. A 20,000-entry directory (about 150 blocks) answers about 37 lookups by
    /// probing before it is read.
    ///
    /// Two fstats, not one per layer (at 10 layers a fstat of each copy made a cold walk 1.1x and
    /// lower unlinks 1.2x the old engine's).
    private func probeBudget(_ directory: Node, box: DirectoryBox) throws -> Int32 {
        // The candidates are not resolved first (their markers read): that would read every
        // copy's inode before a build that, for a small directory, reads them again with its
        // listings, and done in two passes it made cold lookups at 10 layers 1.3x the old engine's.
        // An estimate needs no more: a copy the directory does not have costs one failed open.
        let sources = box.state.withLock { $0.resolvedSources ?? $0.lowerSources }
        var copies = sources.count
        var cost = 0
        if directory.isUpper {
            copies += 1
            cost += 2 + Int(try withUpperDirectory(directory) { try $0.status() }.st_size) / 4096
        }
        // Measured: the top and the bottom copy read by descriptor (a base image's large
        // directories are at the bottom, the layers above add a few names); the larger stands for
        // the copies between.
        let unindexed = sources.filter { !$0.isIndexed }
        var stand = 0
        for source in [unindexed.first, unindexed.count > 1 ? unindexed.last : nil].compactMap({ $0 }) {
            stand = max(stand, try source.listingBytes(stack.cache))
        }
        for source in sources {
            cost += 2 + (source.isIndexed ? try source.listingBytes(stack.cache) : stand) / 4096
        }
        return Int32(max(0, cost / max(1, 2 * copies) - 1))
    }

    /// The node for a file just found or made at (`parent`, `name`), counting one lookup.
    ///
    /// Names of one upper file share a node (hard links made through the mount, or found in the
    /// upper layer). A lower file with several links gets a node per name: copying one name up
    /// breaks the link (as overlayfs without `index=on` does), so the names are separate files
    /// that only report one inode number until then.
    func adopt(_ status: stat, parent: Node, name: FileName, resolution: Resolution) -> Node {
        let number = inodes.number(of: status)
        let type = status.st_mode & S_IFMT
        let upper = stack.isUpper(resolution.layer)
        let key: NodeTable.Key = !upper && type != S_IFDIR && status.st_nlink > 1
            ? .name(parent: parent.id, name) : .inode(number)
        let node = nodes.resolve(key: key) { id in
            let placement = Node.Placement(
                parent: parent, name: name, lowerDirectory: resolution.lowerDirectory, lowerName: resolution.name)
            return Node(id: id, inode: number, type: type, placement: placement, hasUpper: upper,
                        lowerSources: resolution.lowerDirectories)
        }
        if type == S_IFDIR, upper, let box = node.directory {
            _ = box.upperInode.compareExchange(expected: 0, desired: UInt64(status.st_ino), ordering: .acquiringAndReleasing)
        }
        if type != S_IFDIR, node.addLink(parent: parent, name: name) { nodes.linked(node, in: parent) }
        return node
    }

    /// The resolution of a name the engine just wrote in the upper layer.
    func upperResolution(name: FileName, status: stat, inLower: Bool) -> Resolution {
        Resolution(name: name, layer: 0, type: DirectoryRecord.directoryType(of: status.st_mode),
                   inode: inodes.number(of: status), inLower: inLower, lowerDirectory: nil, lowerDirectories: [])
    }

    /// The index entry for a resolution.
    func indexEntry(_ resolution: Resolution) -> DirectoryIndex.Entry {
        DirectoryIndex.Entry(name: resolution.name, layer: resolution.layer, type: resolution.type, inode: resolution.inode,
                             inLower: resolution.inLower, lowerPositions: [], merging: false)
    }
}
