import Glibc
import LaminaSystem
import Synchronization

/// One merged inode the kernel knows, identified by a `NodeID` (see `NodeTable` for how ids are given).
///
/// A node records where it sits in the merged tree (parent node and name: its upper copy is its
/// parent's upper directory plus that one name, so a rename is one update and no path is ever
/// rebuilt), where its top-most lower copy is (a `LayerDirectory` handle plus a name), and whether
/// it has an upper copy. A directory node also owns its `DirectoryBox`: its merged index and the
/// handle of its upper copy.
///
/// A node exists for every inode the kernel caches (tens of thousands after walking a deep image),
/// so it is kept small: directory state lives in a separate object only directories have, the
/// file type is one byte, and the stored properties are ordered so that their padding packs (112
/// bytes of heap each, where declaration order, a full `mode_t`, a second name inline and the
/// directory's lower count took 144; a directory's count is in its `DirectoryBox`).
///
/// Thread safety:
/// - `placement` (Mutex) protects parent, names and lower location; a leaf lock.
/// - `directory` (nil for non-directories): see `DirectoryBox`.
/// - `copyUpLock` (Mutex) is held while this node is copied up, data copy included: a second
///   copy-up of the same node waits for the first; nothing else takes it. It is taken before any
///   directory lock.
/// - `hasUpper` is atomic so open handles can check for a copy-up without a lock. It only ever
///   goes from false to true, and is set while the parent's directory lock is held.
/// - `number` (the merged inode number) is atomic; it changes once at most, when a lower file
///   with several links is copied up (under the parent's directory lock), as overlayfs then
///   reports the upper file's number.
final class Node: Sendable {
    /// A name of the node: a parent directory node and the name in it.
    struct Link: Sendable {
        var parent: Node
        var name: FileName
    }

    /// (Stored in an order that packs: words first, then the 17-byte name with a flag in its
    /// tail.)
    struct Placement: Sendable {
        /// The name the node's upper copy has (nil parent: the root).
        var parent: Node?
        /// Further names of the same file (links made through the engine, or upper hard links
        /// found by lookups).
        var otherLinks: [Link] = []
        /// The lower directory holding the top-most lower copy of a non-directory (nil: upper
        /// only; a directory's lower copies are its `DirectoryBox` sources).
        let lowerDirectory: LayerDirectory?
        /// The copy's name in `lowerDirectory` when it is not the node's name: set when the node
        /// is made with another one, or when its name changes (a word where a name takes three;
        /// empty for nearly every node).
        private var otherLowerName: [FileName] = []
        private(set) var name: FileName
        /// Unlinked or removed from the merged view.
        var removed = false

        init(parent: Node?, name: FileName, lowerDirectory: LayerDirectory?, lowerName: FileName) {
            self.parent = parent
            self.name = name
            self.lowerDirectory = lowerDirectory
            if lowerName != name { otherLowerName = [lowerName] }
        }

        /// The copy's name in `lowerDirectory`.
        var lowerName: FileName { otherLowerName.first ?? name }

        /// Gives the node's upper copy a new name; the lower copy keeps the one it has.
        mutating func rename(to newName: FileName) {
            if otherLowerName.isEmpty, lowerDirectory != nil, newName != name { otherLowerName = [name] }
            name = newName
        }
    }

    let id: NodeID
    private let number: Atomic<UInt64>
    /// nil for anything but a directory.
    let directory: DirectoryBox?
    let placement: Mutex<Placement>
    /// The S_IFMT bits, shifted down to one byte (`type`).
    private let typeBits: UInt8
    let hasUpper: Atomic<Bool>
    let copyUpLock = Mutex(())

    init(id: NodeID, inode: UInt64, type: mode_t, placement: Placement, hasUpper: Bool, lowerSources: [LayerDirectory]) {
        self.id = id
        self.number = Atomic(inode)
        self.directory = type == S_IFDIR ? DirectoryBox(lowerSources: lowerSources) : nil
        self.placement = Mutex(placement)
        self.typeBits = UInt8(truncatingIfNeeded: (type & S_IFMT) >> 12)
        self.hasUpper = Atomic(hasUpper)
    }

    /// The S_IFMT bits.
    var type: mode_t { mode_t(typeBits) << 12 }

    /// The merged inode number (st_ino).
    var inode: UInt64 { number.load(ordering: .acquiring) }

    /// The node now reports `inode` (a lower file with several links was copied up).
    func renumber(_ inode: UInt64) { number.store(inode, ordering: .releasing) }

    var isDirectory: Bool { type == S_IFDIR }
    var isUpper: Bool { hasUpper.load(ordering: .acquiring) }
    var parent: Node? { placement.withLock { $0.parent } }
    var isRemoved: Bool { placement.withLock { $0.removed } }

    /// The name the node's upper copy has now; nil once it was removed (the root has none).
    var currentName: (parent: Node, name: FileName)? {
        placement.withLock { placement in
            guard !placement.removed, let parent = placement.parent else { return nil }
            return (parent, placement.name)
        }
    }

    /// What removing a name left of a node.
    enum Remaining {
        /// Other names remain (the first of them is now the one the upper copy is found by,
        /// when the removed name was).
        case names
        /// That was the last name.
        case none
        /// The node had no such name.
        case notFound
    }

    /// Forgets the name (`parent`, `name`), whichever of the node's names it is.
    func removeLink(parent: Node, name: FileName) -> Remaining {
        placement.withLock { placement in
            if placement.parent === parent && placement.name == name {
                guard !placement.otherLinks.isEmpty else {
                    placement.removed = true
                    return .none
                }
                let next = placement.otherLinks.removeFirst()
                placement.parent = next.parent
                placement.rename(to: next.name)
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
    func addLink(parent: Node, name: FileName) -> Bool {
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
    func moveLink(parent: Node, name: FileName, to newParent: Node, _ newName: FileName) -> Bool {
        placement.withLock { placement in
            if placement.parent === parent && placement.name == name {
                placement.parent = newParent
                placement.rename(to: newName)
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
