import Synchronization

/// An open directory: the snapshot of its merged entries that reads return. Offsets are the
/// entries' cookies (`DirectoryIndex.Entry.cookie`), increasing along the listing and never reused
/// for another name of the directory, so a listing resumed from any offset yields every entry still
/// there exactly once, whichever snapshot (this open's, another's, the kernel's cache) the offset
/// came from; a read from offset 0 takes a new snapshot (the kernel reads from 0 to fill its
/// listing cache, and must get the directory as it is at that moment).
///
/// Thread safety: `entries` (Mutex) protects the snapshot; held to swap or read the array only.
final class DirectoryListing: Sendable {
    let node: Node
    /// This listing holds its directory's `kernelCacheTurn` (given back when it is released).
    let holdsKernelCacheTurn: Bool
    private let entries = Mutex<[DirectoryEntry]?>(nil)

    init(node: Node, holdsKernelCacheTurn: Bool = false) {
        self.node = node
        self.holdsKernelCacheTurn = holdsKernelCacheTurn
    }

    /// Entries after `offset` (the offset of the entry last returned; 0 = from the start, with a
    /// new snapshot made by `take`).
    func entries(after offset: UInt64, take: () throws -> [DirectoryEntry]) throws -> ArraySlice<DirectoryEntry> {
        var snapshot = offset == 0 ? nil : entries.withLock { $0 }
        if snapshot == nil {
            let taken = try take()
            entries.withLock { $0 = taken }
            snapshot = taken
        }
        guard let snapshot else { return [] }
        // The first entry past `offset` (offsets increase along the snapshot).
        var low = 0, high = snapshot.count
        while low < high {
            let middle = (low + high) / 2
            if snapshot[middle].offset <= offset { low = middle + 1 } else { high = middle }
        }
        return snapshot[low...]
    }
}
