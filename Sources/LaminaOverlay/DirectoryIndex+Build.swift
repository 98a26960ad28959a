import Glibc
import LaminaSystem

/// Building an index: each contributing layer's copy of the directory is read once (getdents64,
/// one flistxattr for its markers), top-down, stopping at an opaque copy.
extension DirectoryIndex {
    /// Reads the directory at `upperPath` in the upper layer (nil: no upper copy) and at each of
    /// `lowerSources`, following redirects and stopping at an opaque layer.
    static func build(
        stack: LayerStack, inodes: InodeNumbers, upperPath: String?, lowerSources: [LayerPath]
    ) throws -> DirectoryIndex {
        var builder = Builder(stack: stack, inodes: inodes)
        var queue = lowerSources
        if let upperPath, let upper = stack.upperLayer {
            queue.insert(LayerPath(layer: upper, path: upperPath), at: 0)
        }
        var next = 0
        while next < queue.count {
            let source = queue[next]
            next += 1
            guard let markers = try builder.read(source) else { continue }
            if markers.opaque { break }
            if let redirect = markers.redirect {
                queue.removeSubrange(next...)
                queue += redirectedSources(redirect, from: source, stack: stack)
            }
        }
        return builder.index
    }

    /// The lower directories a redirected directory continues through: the redirect path in each
    /// layer below `source`, until one holds a non-directory there.
    private static func redirectedSources(_ redirect: String, from source: LayerPath, stack: LayerStack) -> [LayerPath] {
        var path: String
        if redirect.hasPrefix("/") {
            path = String(redirect.drop { $0 == "/" })
            while path.hasSuffix("/") { path.removeLast() }
            if path.isEmpty { path = "." }
        } else {
            path = LayerPath.join(LayerPath.parent(of: source.path), redirect)
        }
        var result: [LayerPath] = []
        for layer in (source.layer + 1)..<stack.count where !stack.isUpper(layer) {
            guard let status = try? stack.roots[layer].statusIfPresent(of: path) else { continue }
            guard status.st_mode & S_IFMT == S_IFDIR else { break }
            result.append(LayerPath(layer: layer, path: path))
        }
        return result
    }

    /// Accumulates layers into an index, applying whiteouts between them.
    private struct Builder {
        let stack: LayerStack
        let inodes: InodeNumbers
        var index = DirectoryIndex()
        /// Names whited out by a layer already read: hidden in every layer below.
        var hidden: Set<String> = []

        init(stack: LayerStack, inodes: InodeNumbers) {
            self.stack = stack
            self.inodes = inodes
        }

        /// Merges one layer's copy; nil when it is missing (not a directory there).
        mutating func read(_ source: LayerPath) throws -> DirectoryMarkers? {
            let root = stack.roots[source.layer]
            let opened = try unlessFailing(with: ENOENT, ENOTDIR, ELOOP) {
                try root.open(source.path, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            }
            guard let directory = opened else { return nil }
            defer { directory.close() }
            var markers = try DirectoryMarkers.read(directory)
            let isLower = !stack.isUpper(source.layer)
            let position = isLower ? index.appendSource(source) : -1
            let device = stack.devices[source.layer]
            var whiteouts: [String] = []
            let records = try directory.directoryRecords()
            if index.isEmpty { index.reserveCapacity(records.count) }
            for record in records {
                let name = record.name
                if name == Whiteout.opaqueEntry {
                    markers.opaque = true
                    continue
                }
                if name.hasPrefix(Whiteout.prefix) {
                    whiteouts.append(String(name.dropFirst(Whiteout.prefix.count)))
                    continue
                }
                var type = record.type
                let checkCharacter = type == UInt8(DT_CHR)
                let checkAttribute = markers.holdsAttributeWhiteouts && type == UInt8(DT_REG)
                if type == UInt8(DT_UNKNOWN) || checkCharacter || checkAttribute {
                    guard let status = try directory.statusIfPresent(of: name) else { continue }
                    type = DirectoryRecord.directoryType(of: status.st_mode)
                    if Whiteout.isDevice(status)
                        || (markers.holdsAttributeWhiteouts && type == UInt8(DT_REG) && status.st_size == 0
                            && Whiteout.hasWhiteoutAttribute(directory, name))
                    {
                        whiteouts.append(name)
                        continue
                    }
                }
                add(name, type: type, layer: source.layer, position: position, isLower: isLower,
                    inode: inodes.number(device: device, inode: record.inode))
            }
            for name in whiteouts {
                index.update(named: name) { $0.merging = false }
                hidden.insert(name)
            }
            return markers
        }

        private mutating func add(_ name: String, type: UInt8, layer: Int, position: Int32, isLower: Bool, inode: UInt64) {
            if !hidden.isEmpty && hidden.contains(name) { return }
            index.insertOrUpdate(named: name) {
                Entry(name: name, layer: layer, type: type, inode: inode, inLower: isLower,
                      lowerPositions: isLower ? [position] : [], merging: type == UInt8(DT_DIR))
            } update: { entry in
                if isLower { entry.inLower = true }
                guard entry.merging, entry.isDirectory, type == UInt8(DT_DIR) else {
                    entry.merging = false
                    return
                }
                entry.lowerPositions.append(position)
            }
        }
    }
}
