/// The `NodeTable`'s map from merged inode number to node id.
///
/// There is one entry per node the kernel holds (tens of thousands after a walk of a deep image),
/// so an entry is one 4-byte id in an open-addressed table (linear probing, at most three quarters
/// full counting removed entries). The inode number is not stored: the table reads it back from
/// the node's slot through `keyOf`, which must give the inode number an id was set under for as
/// long as the id is in the table (the `NodeTable` sets a slot's key before adding it here and
/// removes it here before the key changes). A `[UInt64: NodeID]` took 16 bytes a bucket.
///
/// Ids are the `NodeTable`'s array positions: 0 is never one (the table leaves slot 0 empty), and
/// an id past 32 bits, which no table of nodes in memory reaches, is not added (such a node is then
/// found by nothing but its id, as a detached one is).
///
/// Thread safety: none of its own; the `NodeTable`'s lock protects it.
struct InodeSlots {
    private static let empty: UInt32 = 0
    private static let removed: UInt32 = .max

    private var buckets: [UInt32] = []
    /// Ids in the table.
    private(set) var count = 0
    /// Buckets not empty: ids and removed marks (probes stop only at an empty bucket).
    private var used = 0

    /// The id `inode` maps to.
    func find(_ inode: UInt64, keyOf: (NodeID) -> UInt64?) -> NodeID? {
        guard !buckets.isEmpty else { return nil }
        let probe = probe(inode, keyOf: keyOf)
        return probe.found ? NodeID(buckets[probe.position]) : nil
    }

    /// Maps `inode` to `id`, replacing the id it mapped to.
    mutating func set(_ inode: UInt64, to id: NodeID, keyOf: (NodeID) -> UInt64?) {
        guard id != 0, id < NodeID(Self.removed) else { return }
        if !buckets.isEmpty {
            let probe = probe(inode, keyOf: keyOf)
            if probe.found {
                buckets[probe.position] = UInt32(id)
                return
            }
            // A removed mark is reused without filling the table further.
            if buckets[probe.position] == Self.removed || (used + 1) * 4 <= buckets.count * 3 {
                insert(id, at: probe.position)
                return
            }
        }
        rebuild(keyOf: keyOf)
        insert(id, at: probe(inode, keyOf: keyOf).position)
    }

    /// Removes `inode`'s entry if it maps to `id`.
    mutating func remove(_ inode: UInt64, ifMappedTo id: NodeID, keyOf: (NodeID) -> UInt64?) {
        guard !buckets.isEmpty else { return }
        let probe = probe(inode, keyOf: keyOf)
        guard probe.found, NodeID(buckets[probe.position]) == id else { return }
        buckets[probe.position] = Self.removed
        count -= 1
    }

    /// One walk of `inode`'s probe sequence (the table must have buckets): the bucket holding it,
    /// or else the first bucket it may be added in (the first removed mark, else the empty bucket
    /// that ended the walk).
    private func probe(_ inode: UInt64, keyOf: (NodeID) -> UInt64?) -> (position: Int, found: Bool) {
        var position = home(of: inode)
        var firstRemoved: Int?
        while buckets[position] != Self.empty {
            let bucket = buckets[position]
            if bucket == Self.removed {
                if firstRemoved == nil { firstRemoved = position }
            } else if keyOf(NodeID(bucket)) == inode {
                return (position, true)
            }
            position = (position + 1) & (buckets.count - 1)
        }
        return (firstRemoved ?? position, false)
    }

    private mutating func insert(_ id: NodeID, at position: Int) {
        if buckets[position] == Self.empty { used += 1 }
        buckets[position] = UInt32(id)
        count += 1
    }

    private func home(of inode: UInt64) -> Int {
        // Fibonacci hashing: inode numbers are often consecutive, the multiply spreads them.
        Int(truncatingIfNeeded: (inode &* 0x9E37_79B9_7F4A_7C15) >> 32) & (buckets.count - 1)
    }

    /// Re-adds every id into a table at most half full (dropping removed marks).
    private mutating func rebuild(keyOf: (NodeID) -> UInt64?) {
        var capacity = 16
        while capacity < (count + 1) * 2 { capacity *= 2 }
        let old = buckets
        buckets = [UInt32](repeating: Self.empty, count: capacity)
        used = 0
        count = 0
        // The new table has no removed marks and each id goes in once: the first empty bucket
        // from its home is its place, with no keys to compare on the way.
        for bucket in old where bucket != Self.empty && bucket != Self.removed {
            guard let inode = keyOf(NodeID(bucket)) else { continue }
            var position = home(of: inode)
            while buckets[position] != Self.empty { position = (position + 1) & (capacity - 1) }
            insert(NodeID(bucket), at: position)
        }
    }
}
