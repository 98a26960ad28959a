import Glibc
import LaminaSystem

/// The merged listing of one directory: name -> where the top-most copy lives.
///
/// Built once per directory node from each contributing layer's copy, read once
/// (`DirectoryIndex+Build.swift`), so a lookup is one hash probe however many layers there are.
/// For a subdirectory the index keeps the lower directories it continues through (as positions in
/// `sources`), so the subdirectory's own index reads exactly those.
///
/// Thread safety: a value type, owned by its directory `Node` and only touched under that node's
/// `DirectoryBox.state` mutex. The engine's own writes to the upper layer update it in place.
struct DirectoryIndex: Sendable {
    /// One merged name.
    struct Entry: Sendable {
        // Stored in an order that packs the struct (64 -> 48 bytes; one per name of the tree).
        var name: FileName
        /// The merged inode number (see `InodeNumbers`).
        var inode: UInt64
        /// The top-most layer holding the name.
        var layer: Int
        /// Positions in `DirectoryIndex.sources` of the lower directories holding the name: the
        /// top-most lower copy first, then (for a directory) the ones it merges with below.
        var lowerPositions: LowerPositions
        /// d_type of the top-most copy.
        var type: UInt8
        /// Some lower layer holds the name, so removing it must leave a whiteout.
        var inLower: Bool
        /// While building: a directory still merging with layers below.
        var merging: Bool
        /// Where the name sits in the directory's listing, for good: given when the name enters the
        /// index (names only ever join at the end), kept when its entry is replaced, so a readdir
        /// offset made from it means the same place in every later listing of the directory.
        var cookie: UInt32 = 0

        init(name: FileName, layer: Int, type: UInt8, inode: UInt64, inLower: Bool,
             lowerPositions: LowerPositions, merging: Bool) {
            self.name = name
            self.inode = inode
            self.layer = layer
            self.lowerPositions = lowerPositions
            self.type = type
            self.inLower = inLower
            self.merging = merging
        }

        var isDirectory: Bool { type == UInt8(DT_DIR) }
        var fileType: mode_t { DirectoryRecord.fileType(of: type) ?? S_IFREG }
    }

    /// The lower-layer directories this index was read from, top-down.
    private(set) var sources: [LayerDirectory]
    private var entries: [Entry?] = []
    /// Where each name sits in `entries`.
    private var slots = NameSlots()
    private var removedCount = 0
    /// The cookie the next name to enter gets.
    private var nextCookie: UInt32 = 0

    init(sources: [LayerDirectory] = []) {
        self.sources = sources
    }

    var isEmpty: Bool { slots.isEmpty }
    var count: Int { slots.count }

    func entry(named name: FileName) -> Entry? {
        guard let slot = slots.find(name, in: entries) else { return nil }
        return entries[slot]
    }

    /// Entries in listing order (top layer first, then each layer's new names).
    /// (Lazy: a listing of a 20,000-name directory is copied once, into its snapshot, not twice.)
    var orderedEntries: some Sequence<Entry> { entries.lazy.compactMap { $0 } }

    /// The lower directory holding the top-most lower copy of `entry`, if any.
    func lowerDirectory(of entry: Entry) -> LayerDirectory? {
        entry.lowerPositions.first.map { sources[Int($0)] }
    }

    /// The lower directories a subdirectory entry continues through.
    func lowerDirectories(of entry: Entry) -> [LayerDirectory] {
        guard entry.isDirectory else { return [] }
        return entry.lowerPositions.map { sources[Int($0)].child(entry.name) }
    }

    /// Adds a name, or replaces the entry of the same name.
    mutating func insert(_ entry: Entry) {
        var entry = entry
        if let slot = slots.insert(entry.name, at: entries.count, in: entries) {
            entry.cookie = entries[slot]?.cookie ?? entry.cookie
            entries[slot] = entry
        } else {
            append(entry)
        }
    }

    /// Adds a name at the end of the listing, with the next cookie.
    private mutating func append(_ entry: Entry) {
        var entry = entry
        if nextCookie == UInt32.max { renumber() }
        entry.cookie = nextCookie
        nextCookie += 1
        entries.append(entry)
    }

    /// Gives every name a fresh cookie in listing order (after four billion names joined one
    /// directory: the kernel may then see one listing's offsets change once).
    private mutating func renumber() {
        compact()
        for position in entries.indices { entries[position]?.cookie = UInt32(position) }
        nextCookie = UInt32(entries.count)
    }

    mutating func remove(named name: FileName) {
        guard let slot = slots.remove(name, in: entries) else { return }
        entries[slot] = nil
        removedCount += 1
        if removedCount > 64 && removedCount > entries.count / 2 { compact() }
    }

    /// Adds the entry `make` returns under `name`, or changes the entry already there in place:
    /// one hash probe either way (building an index is the hot path of a cold listing). `make` returns
    /// an entry named `name`.
    mutating func insertOrUpdate(named name: FileName, _ make: () -> Entry, update: (inout Entry) -> Void) {
        if let slot = slots.insert(name, at: entries.count, in: entries) {
            update(&entries[slot]!)
        } else {
            append(make())
        }
    }

    /// Room for `count` names without rehashing.
    mutating func reserveCapacity(_ count: Int) {
        slots.reserveCapacity(count, in: entries)
        entries.reserveCapacity(count)
    }

    /// Changes the entry of `name` in place.
    mutating func update(named name: FileName, _ change: (inout Entry) -> Void) {
        guard let slot = slots.find(name, in: entries), var entry = entries[slot] else { return }
        change(&entry)
        entries[slot] = entry
    }

    /// Appends a lower source while building.
    mutating func appendSource(_ source: LayerDirectory) -> Int32 {
        sources.append(source)
        return Int32(sources.count - 1)
    }

    private mutating func compact() {
        entries = entries.compactMap { $0 }.map { Optional($0) }
        slots.rebuild(from: entries)
        removedCount = 0
    }
}
