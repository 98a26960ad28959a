/// The snapshot of a merged directory taken by `openDirectory`: offsets are positions in it, so a
/// listing resumed from any offset it returned yields every entry exactly once, whatever changes
/// meanwhile.
///
/// Thread safety: immutable.
final class DirectoryListing: Sendable {
    let node: Node
    let entries: [DirectoryEntry]

    init(node: Node, entries: [DirectoryEntry]) {
        self.node = node
        self.entries = entries
    }

    /// Entries after `offset` (the offset of the entry last returned; 0 = from the start).
    func entries(after offset: UInt64) -> ArraySlice<DirectoryEntry> {
        guard offset < UInt64(entries.count) else { return [] }
        return entries[Int(offset)...]
    }
}
