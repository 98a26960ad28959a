import Glibc
import LaminaSystem

/// Building an index: the listings of the directory's copies, read top-down and already cut at an
/// opaque copy and redirected where a copy says so (`Overlay+Layers.swift`), merged into one map
/// with the whiteouts applied between layers. No I/O happens here.
extension DirectoryIndex {
    /// One layer's copy of the directory and what it holds.
    struct Layer {
        var layer: Int
        /// The lower directory it was read from (nil for the upper copy).
        var source: LayerDirectory?
        var listing: LayerListing
    }

    static func merge(_ layers: [Layer], inodes: InodeNumbers, devices: [dev_t]) -> DirectoryIndex {
        var builder = Builder(inodes: inodes)
        for layer in layers {
            builder.add(layer, device: devices[layer.layer])
        }
        return builder.index
    }

    /// Accumulates layers into an index, applying whiteouts between them.
    private struct Builder {
        let inodes: InodeNumbers
        var index = DirectoryIndex()
        /// Names whited out by a layer already read: hidden in every layer below.
        var hidden: Set<FileName> = []

        init(inodes: InodeNumbers) {
            self.inodes = inodes
        }

        mutating func add(_ layer: Layer, device: dev_t) {
            let position = layer.source.map { index.appendSource($0) } ?? -1
            let isLower = layer.source != nil
            if index.isEmpty { index.reserveCapacity(layer.listing.records.count) }
            for record in layer.listing.records {
                add(record.name, type: record.type, layer: layer.layer, position: position, isLower: isLower,
                    inode: inodes.number(device: device, inode: record.inode))
            }
            for name in layer.listing.whiteouts {
                index.update(named: name) { $0.merging = false }
                hidden.insert(name)
            }
        }

        private mutating func add(_ name: FileName, type: UInt8, layer: Int, position: Int32, isLower: Bool, inode: UInt64) {
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
