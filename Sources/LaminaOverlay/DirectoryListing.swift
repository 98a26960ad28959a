import Synchronization

/// An open directory: the snapshot of its merged entries that reads return. Offsets are positions
/// in the snapshot, so a listing resumed from any offset it returned yields every entry exactly
/// once, whatever changes meanwhile; a read from offset 0 takes a new snapshot (the kernel reads
/// from 0 to fill its listing cache, and must get the directory as it is at that moment).
///
/// Thread safety: `entries` (Mutex) protects the snapshot; held to swap or read the array only.
final class DirectoryListing: Sendable {
    let node: Node
    private let entries = Mutex<[DirectoryEntry]?>(nil)

    init(node: Node) {
        self.node = node
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
        guard let snapshot, offset < UInt64(snapshot.count) else { return [] }
        return snapshot[Int(offset)...]
    }
}
