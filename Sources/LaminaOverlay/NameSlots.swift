import LaminaSystem

/// Where each name of a `DirectoryIndex` sits in its `entries`: a hash table of positions that keeps
/// no copy of the names.
///
/// A `[FileName: Int]` costs 24 bytes a bucket and keeps a second reference to every name; a bucket
/// here is one `Int32` position into the entries (after walking a 100-layer image, ~62,000 names,
/// the daemon's heap is 1.7 MB smaller). A probe compares the name of the entry at a position, so
/// the table is handed the entries on every call.
///
/// Open addressing: a power-of-two number of buckets, at most 3/4 of them in use (removed names
/// count until the next rehash), probed in triangular steps (1, 2, 3, ...), which reach every
/// bucket of a power-of-two table. Names hash with the standard library's seeded `Hasher` and
/// compare with `==`: two names are one name exactly when they were one `[FileName: Int]` key, and
/// names in an image cannot be chosen to collide. (FNV-1a over the UTF-8 bytes builds a table ~20%
/// faster, under 1% of a cold listing, but has neither property.)
///
/// Positions are `Int32`: an index of 2^31 names would need over 100 GB of entries first.
///
/// Thread safety: a value type, owned by its `DirectoryIndex` and only touched with it, under the
/// directory node's `directory` mutex.
struct NameSlots: Sendable {
    typealias Entries = [DirectoryIndex.Entry?]

    /// A bucket never used: a probe ends there.
    private static let empty: Int32 = -1
    /// A bucket whose name was removed: a probe goes on past it, and a new name may take it.
    private static let removed: Int32 = -2
    private static let minimumBuckets = 8

    private var buckets: [Int32] = []
    /// Names held.
    private(set) var count = 0
    /// Buckets marked `removed`.
    private var removedCount = 0

    /// Where a probe for a name ended.
    private enum Probe {
        case found(bucket: Int, position: Int)
        /// The name is not held; `bucket` is where it goes (the first removed bucket on its path,
        /// else the empty bucket that ended the probe).
        case absent(bucket: Int)
    }

    var isEmpty: Bool { count == 0 }

    /// The number of buckets (for tests: growth and reuse of removed buckets).
    var bucketCount: Int { buckets.count }

    /// The bucket a name's probe starts from in a table of `bucketCount` buckets.
    static func homeBucket(of name: FileName, bucketCount: Int) -> Int {
        name.hashValue & (bucketCount - 1)
    }

    /// The position of `name` in `entries`, if held.
    func find(_ name: FileName, in entries: Entries) -> Int? {
        guard !buckets.isEmpty, case .found(_, let position) = probe(name, in: entries) else { return nil }
        return position
    }

    /// Records `name` at `position` unless it is held already, in one probe; returns the position it
    /// already had, or nil when it was added. `entries` are those the table holds so far (a rehash
    /// reads their names); the caller puts the new name's entry at `position` afterwards.
    mutating func insert(_ name: FileName, at position: Int, in entries: Entries) -> Int? {
        if !buckets.isEmpty {
            switch probe(name, in: entries) {
            case .found(_, let existing):
                return existing
            case .absent(let bucket):
                let reusesRemoved = buckets[bucket] == Self.removed
                if reusesRemoved || count + removedCount < Self.maximumLoad(buckets.count) {
                    if reusesRemoved { removedCount -= 1 }
                    buckets[bucket] = Int32(position)
                    count += 1
                    return nil
                }
            }
        }
        // Room for twice the names held: the next rehash is as many insertions away as this one
        // costs, and a table full of removed marks is rebuilt at its size (or smaller), not grown.
        rehash(into: Self.size(holding: 2 * count), from: entries)
        place(name, at: position)
        count += 1
        return nil
    }

    /// Forgets `name`; returns the position it had, or nil when it was not held.
    mutating func remove(_ name: FileName, in entries: Entries) -> Int? {
        guard !buckets.isEmpty, case .found(let bucket, let position) = probe(name, in: entries) else { return nil }
        buckets[bucket] = Self.removed
        count -= 1
        removedCount += 1
        return position
    }

    /// Room for `capacity` names without a rehash.
    mutating func reserveCapacity(_ capacity: Int, in entries: Entries) {
        guard capacity > Self.maximumLoad(buckets.count) else { return }
        rehash(into: Self.size(holding: capacity), from: entries)
    }

    /// Holds exactly the names of `entries` (after the index moved them), in as few buckets as fit.
    mutating func rebuild(from entries: Entries) {
        rehash(into: Self.size(holding: entries.count), from: entries)
    }

    /// Rebuilds `size` buckets from the names of `entries`, dropping the removed marks.
    private mutating func rehash(into size: Int, from entries: Entries) {
        buckets = Array(repeating: Self.empty, count: size)
        removedCount = 0
        count = 0
        for (position, entry) in entries.enumerated() {
            guard let entry else { continue }
            place(entry.name, at: position)
            count += 1
        }
    }

    /// Puts a name known not to be held into the first free bucket of its probe.
    private mutating func place(_ name: FileName, at position: Int) {
        let mask = buckets.count - 1
        var bucket = Self.homeBucket(of: name, bucketCount: buckets.count)
        var step = 0
        while buckets[bucket] >= 0 {
            step += 1
            bucket = (bucket + step) & mask
        }
        buckets[bucket] = Int32(position)
    }

    private func probe(_ name: FileName, in entries: Entries) -> Probe {
        let mask = buckets.count - 1
        var bucket = Self.homeBucket(of: name, bucketCount: buckets.count)
        var step = 0
        var firstRemoved = -1
        while true {
            let position = buckets[bucket]
            if position == Self.empty {
                return .absent(bucket: firstRemoved >= 0 ? firstRemoved : bucket)
            }
            if position == Self.removed {
                if firstRemoved < 0 { firstRemoved = bucket }
            } else if entries[Int(position)]?.name == name {
                return .found(bucket: bucket, position: Int(position))
            }
            step += 1
            bucket = (bucket + step) & mask
        }
    }

    /// Buckets in use (held or removed) a table of `size` buckets allows.
    private static func maximumLoad(_ size: Int) -> Int { size / 4 * 3 }

    /// The fewest buckets (a power of two) that hold `names` names.
    private static func size(holding names: Int) -> Int {
        var size = minimumBuckets
        while maximumLoad(size) < names { size *= 2 }
        return size
    }
}
