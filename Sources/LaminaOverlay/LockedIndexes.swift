/// The indexes of the directories one change locked together (rename: both parents and a
/// directory it replaces; rmdir: the parent and the directory), found by node.
///
/// Thread safety: lives only inside `Overlay.withIndexes`, while every one of the locks is held.
struct LockedIndexes {
    let order: [NodeID]
    var indexes: [DirectoryIndex] = []

    init(order: [NodeID]) {
        self.order = order
    }

    /// The index of `directory`, which is one of the locked directories.
    subscript(_ directory: Node) -> DirectoryIndex {
        get { indexes[position(of: directory)] }
        // In place: a change through the subscript must not copy the index's entries.
        _modify {
            let position = position(of: directory)
            yield &indexes[position]
        }
    }

    private func position(of directory: Node) -> Int {
        order.firstIndex(of: directory.id) ?? order.count
    }
}
