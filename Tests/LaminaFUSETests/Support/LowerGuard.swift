/// Proof that a mount left its lower layers alone: every lower layer is read in full (content,
/// mode, owner, mtime, ctime, inode, xattrs, link counts) before a scenario and again after the
/// mount is gone, and the two must be identical (`ComparisonPolicy.exact`). A ctime that moved
/// catches even a change that was undone.
struct LowerGuard {
    private let before: [(layer: String, snapshot: TreeSnapshot)]

    init(layers: [String]) {
        before = layers.map { ($0, TreeSnapshot.capture($0)) }
    }

    /// One line per change found, naming the layer; empty when every layer is untouched.
    func changes(by mountName: String) -> [String] {
        let comparison = TreeComparison(referenceName: "before", candidateName: "after", policy: .exact)
        return before.flatMap { layer, snapshot in
            comparison.differences(snapshot, TreeSnapshot.capture(layer)).map {
                "lower layer \(layer) changed under \(mountName): \($0)"
            }
        }
    }
}
