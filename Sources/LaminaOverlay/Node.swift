import Glibc
import Synchronization

/// One merged inode the kernel knows, identified by a `NodeID` (see `NodeTable` for how ids are given).
///
/// A node records where it sits in the merged tree (parent and name, so its upper path is derived
/// and a rename is one update), where it resolves in the lower layers, and whether it has an upper
/// copy. A directory node also owns its `DirectoryIndex`.
///
/// A node exists for every inode the kernel caches (tens of thousands after walking a deep image),
/// so it is kept small: directory state lives in a separate object only directories have, and the
/// lower location shares its directory path with the parent's index instead of holding a joined
/// path of its own.
///
/// Thread safety:
/// - `placement` (Mutex) protects parent, names and lower location; a leaf lock.
/// - `directory` (a `DirectoryBox` holding a Mutex; nil for non-directories) protects the
///   directory's index; it is also the lock every change to the directory's entries takes (see
///   docs/architecture.md "Locking" for the order).
/// - `hasUpper` is atomic so open handles can check for a copy-up without a lock. It only ever
///   goes from false to true, and is set while the parent's `directory` lock is held.
/// - `number` (the merged inode number) is atomic; it changes once at most, when a lower file
///   with several links is copied up (under the parent's `directory` lock), as overlayfs then
///   reports the upper file's number.
final class Node: Sendable {
    /// A name of the node: a parent directory node and the name in it.
    struct Link: Sendable {
        var parent: Node
        var name: String
    }

    struct Placement: Sendable {
        /// The name the upper path is derived from (nil parent: the root).
        var parent: Node?
        var name: String
        /// Further names of the same file (links made through the engine, or upper hard links
        /// found by lookups).
        var otherLinks: [Link] = []
        /// The lower directory holding the top-most lower copy (nil: upper only); its path is
        /// the index's own string, shared rather than copied.
        var lowerDirectory: LayerPath?
        /// The copy's name in `lowerDirectory` ("" for the root: the directory itself).
        var lowerName: String
        /// Lower directories merged into this directory (used for st_nlink).
        var lowerDirectoryCount: Int32
        /// Unlinked or removed from the merged view.
        var removed = false

        init(parent: Node?, name: String, lowerDirectory: LayerPath?, lowerName: String, lowerDirectoryCount: Int) {
            self.parent = parent
            self.name = name
            self.lowerDirectory = lowerDirectory
            self.lowerName = lowerName
            self.lowerDirectoryCount = Int32(clamping: lowerDirectoryCount)
        }

        /// The top-most lower copy (nil: upper only).
        var lower: LayerPath? {
            guard let lowerDirectory else { return nil }
            return lowerName.isEmpty ? lowerDirectory : lowerDirectory.appending(lowerName)
        }
    }

    /// Where a directory's index comes from, and the index once built.
    struct DirectoryState: Sendable {
        var lowerSources: [LayerPath]
        var index: DirectoryIndex?
    }

    /// A directory's state behind its lock, allocated for directories only.
    final class DirectoryBox: Sendable {
        let state: Mutex<DirectoryState>

        init(lowerSources: [LayerPath]) {
            state = Mutex(DirectoryState(lowerSources: lowerSources, index: nil))
        }
    }

    let id: NodeID
    private let number: Atomic<UInt64>
    /// The S_IFMT bits.
    let type: mode_t
    let hasUpper: Atomic<Bool>
    let placement: Mutex<Placement>
    /// nil for anything but a directory.
    let directory: DirectoryBox?

    init(id: NodeID, inode: UInt64, type: mode_t, placement: Placement, hasUpper: Bool, lowerSources: [LayerPath]) {
        self.id = id
        self.number = Atomic(inode)
        self.type = type
        self.placement = Mutex(placement)
        self.directory = type == S_IFDIR ? DirectoryBox(lowerSources: lowerSources) : nil
        self.hasUpper = Atomic(hasUpper)
    }

    /// The merged inode number (st_ino).
    var inode: UInt64 { number.load(ordering: .acquiring) }

    /// The node now reports `inode` (a lower file with several links was copied up).
    func renumber(_ inode: UInt64) { number.store(inode, ordering: .releasing) }

    var isDirectory: Bool { type == S_IFDIR }
    var isUpper: Bool { hasUpper.load(ordering: .acquiring) }
    var parent: Node? { placement.withLock { $0.parent } }

    /// The node's path in the merged tree, which is its path in the upper layer ("." for the
    /// root); nil once it was removed from the merged view.
    func mergedPath() -> String? {
        var components: [String] = []
        var current = self
        while true {
            let (parent, name, removed) = current.placement.withLock { ($0.parent, $0.name, $0.removed) }
            if removed { return nil }
            guard let parent else { break }
            components.append(name)
            current = parent
        }
        return components.isEmpty ? "." : components.reversed().joined(separator: "/")
    }

    /// What removing a name left of a node.
    enum Remaining {
        /// Other names remain (the first of them is now the one the upper path is derived from,
        /// when the removed name was).
        case names
        /// That was the last name.
        case none
        /// The node had no such name.
        case notFound
    }

    /// Forgets the name (`parent`, `name`), whichever of the node's names it is.
    func removeLink(parent: Node, name: String) -> Remaining {
        placement.withLock { placement in
            if placement.parent === parent && placement.name == name {
                guard !placement.otherLinks.isEmpty else {
                    placement.removed = true
                    return .none
                }
                let next = placement.otherLinks.removeFirst()
                placement.parent = next.parent
                placement.name = next.name
                return .names
            }
            let count = placement.otherLinks.count
            placement.otherLinks.removeAll { $0.parent === parent && $0.name == name }
            return placement.otherLinks.count < count ? .names : .notFound
        }
    }

    /// The directory nodes the node's names are in, one per name.
    var linkParents: [Node] {
        placement.withLock { placement in
            (placement.parent.map { [$0] } ?? []) + placement.otherLinks.map(\.parent)
        }
    }

    /// Records (`parent`, `name`) as a name of the node if it is not one already; true when it
    /// was added.
    @discardableResult
    func addLink(parent: Node, name: String) -> Bool {
        placement.withLock { placement in
            if placement.removed || (placement.parent === parent && placement.name == name) { return false }
            if placement.otherLinks.contains(where: { $0.parent === parent && $0.name == name }) { return false }
            placement.otherLinks.append(Link(parent: parent, name: name))
            return true
        }
    }

    /// Moves the name (`parent`, `name`) to (`newParent`, `newName`); true when the node had
    /// that name.
    @discardableResult
    func moveLink(parent: Node, name: String, to newParent: Node, _ newName: String) -> Bool {
        placement.withLock { placement in
            if placement.parent === parent && placement.name == name {
                placement.parent = newParent
                placement.name = newName
                return true
            }
            if let index = placement.otherLinks.firstIndex(where: { $0.parent === parent && $0.name == name }) {
                placement.otherLinks[index] = Link(parent: newParent, name: newName)
                return true
            }
            return false
        }
    }
}
