import Synchronization
import LaminaSystem
import Glibc

/// Every node the kernel holds a reference to, by `NodeID`, and by `NodeTable.Key` so that every
/// name of one file is one node where the merged view treats them as one file.
///
/// A node stays while the kernel's lookup count is above zero or while a live node records one of
/// its names in it (`children` counts names, not nodes: each of a hard-linked file's names keeps
/// its directory, so a name never points at a directory node the kernel was given again under a
/// new NodeID); `forget` drops the rest, so memory follows the kernel's inode cache, not the size
/// of the tree.
///
/// Thread safety: `state` (Mutex) protects the maps and counts. It may be taken while a directory
/// lock is held, and it takes node `placement` locks inside; never the other way round.
final class NodeTable: Sendable {
    /// What makes two names one node.
    enum Key: Hashable, Sendable {
        /// Every name of the file with this merged inode number (upper files, directories, lower
        /// files with one link).
        case inode(UInt64)
        /// One name only: a lower file with several links. Its names are separate files of the
        /// merged view (copying one up breaks the link, as overlayfs without `index=on` does),
        /// though until then they report one inode number.
        case name(parent: NodeID, String)
    }

    private struct Slot {
        let node: Node
        var lookups: UInt64
        var children: Int
        var key: Key?
    }

    private struct State {
        var slots: [NodeID: Slot] = [:]
        var byKey: [Key: NodeID] = [:]
        var nextID: NodeID = Overlay.rootNode + 1
    }

    let root: Node
    private let state: Mutex<State>

    init(root: Node) {
        self.root = root
        var initial = State()
        initial.slots[root.id] = Slot(node: root, lookups: 1, children: 0, key: .inode(root.inode))
        initial.byKey[.inode(root.inode)] = root.id
        state = Mutex(initial)
    }

    /// The node with `id`; ENOENT for an id the kernel should not hold.
    func node(_ id: NodeID) throws -> Node {
        guard let node = state.withLock({ $0.slots[id]?.node }) else {
            throw SystemError("node", errno: ENOENT, path: "#\(id)")
        }
        return node
    }

    /// The live node the name (`parent`, `name`), whose merged inode number is `inode`, belongs to.
    func node(in parent: Node, named name: String, inode: UInt64) -> Node? {
        state.withLock { state in
            let id = state.byKey[.name(parent: parent.id, name)] ?? state.byKey[.inode(inode)]
            return id.flatMap { state.slots[$0]?.node }
        }
    }

    /// The node for `key`, made by `make` (given a fresh id) when none is live; counts one lookup.
    func resolve(key: Key, make: (NodeID) -> Node) -> Node {
        state.withLock { state in
            if let id = state.byKey[key], state.slots[id] != nil {
                state.slots[id]!.lookups += 1
                return state.slots[id]!.node
            }
            let id = state.nextID
            state.nextID += 1
            let node = make(id)
            state.slots[id] = Slot(node: node, lookups: 1, children: 0, key: key)
            state.byKey[key] = id
            if let parent = node.parent { state.slots[parent.id]?.children += 1 }
            return node
        }
    }

    /// One more kernel reference to a node it already holds (link, create of an existing name).
    func addLookup(_ node: Node) {
        state.withLock { $0.slots[node.id]?.lookups += 1 }
    }

    /// The live `node` got a further name in `parent`.
    func linked(_ node: Node, in parent: Node) {
        state.withLock { state in
            guard state.slots[node.id] != nil else { return }
            state.slots[parent.id]?.children += 1
        }
    }

    /// The live `node` lost one of its names in `parent`, and still has others.
    func unlinked(_ node: Node, from parent: Node) {
        state.withLock { state in
            guard state.slots[node.id] != nil else { return }
            state.slots[parent.id]?.children -= 1
            Self.dropUnused(parent.id, in: &state)
        }
    }

    /// The node's name is gone: a new file with a recycled inode number (or the same name) must
    /// get a new node.
    func detach(_ node: Node) {
        state.withLock { state in
            guard let key = state.slots[node.id]?.key else { return }
            if state.byKey[key] == node.id { state.byKey[key] = nil }
            state.slots[node.id]?.key = nil
        }
    }

    /// The node is found by `key` from now on (a per-name node copied up, or renamed).
    func rekey(_ node: Node, to key: Key) {
        state.withLock { state in
            guard let old = state.slots[node.id]?.key else { return }
            if state.byKey[old] == node.id { state.byKey[old] = nil }
            state.byKey[key] = node.id
            state.slots[node.id]?.key = key
        }
    }

    /// The key a node is found by, nil once detached.
    func key(of node: Node) -> Key? {
        state.withLock { $0.slots[node.id]?.key }
    }

    /// One of the node's names moved from directory `old` to `new` (rename).
    func reparent(_ node: Node, from old: Node, to new: Node) {
        guard old !== new else { return }
        state.withLock { state in
            guard state.slots[node.id] != nil else { return }
            state.slots[old.id]?.children -= 1
            state.slots[new.id]?.children += 1
            Self.dropUnused(old.id, in: &state)
        }
    }

    /// The kernel dropped `lookups` references.
    func forget(_ id: NodeID, lookups: UInt64) {
        guard id != root.id else { return }
        state.withLock { state in
            guard let slot = state.slots[id] else { return }
            state.slots[id]!.lookups = slot.lookups > lookups ? slot.lookups - lookups : 0
            Self.dropUnused(id, in: &state)
        }
    }

    /// Number of live nodes (tests and statistics).
    var count: Int { state.withLock { $0.slots.count } }

    /// Drops `id` if nothing holds it, then each directory one of its names was in if that was the
    /// directory's last child name, and so on.
    private static func dropUnused(_ id: NodeID, in state: inout State) {
        var pending = [id]
        while let current = pending.popLast() {
            guard current != Overlay.rootNode, let slot = state.slots[current], slot.lookups == 0, slot.children <= 0
            else { continue }
            state.slots[current] = nil
            if let key = slot.key, state.byKey[key] == current { state.byKey[key] = nil }
            for parent in slot.node.linkParents {
                state.slots[parent.id]?.children -= 1
                pending.append(parent.id)
            }
        }
    }
}
