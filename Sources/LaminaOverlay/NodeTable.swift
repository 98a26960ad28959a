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

    /// What the table keeps per node, kept small (one per cached inode: tens of thousands on a
    /// deep image): the key is stored as its inode number, or in `nameKeys` for the rare
    /// name-keyed node.
    private struct Slot {
        enum KeyKind: UInt8 { case none, inode, name }
        let node: Node
        var lookups: UInt64
        var keyInode: UInt64 = 0
        var children: Int32 = 0
        var keyKind = KeyKind.none
    }

    private struct NameKey: Hashable {
        var parent: NodeID
        var name: String
    }

    private struct State {
        var slots: [NodeID: Slot] = [:]
        var byInode: [UInt64: NodeID] = [:]
        var byName: [NameKey: NodeID] = [:]
        var nameKeys: [NodeID: NameKey] = [:]
        var nextID: NodeID = Overlay.rootNode + 1

        func id(for key: Key) -> NodeID? {
            switch key {
            case .inode(let number): byInode[number]
            case .name(let parent, let name): byName[NameKey(parent: parent, name: name)]
            }
        }

        func key(of id: NodeID) -> Key? {
            guard let slot = slots[id] else { return nil }
            switch slot.keyKind {
            case .none: return nil
            case .inode: return .inode(slot.keyInode)
            case .name: return nameKeys[id].map { .name(parent: $0.parent, $0.name) }
            }
        }

        /// Files `id` under `key` (replacing the key it had).
        mutating func setKey(_ key: Key?, of id: NodeID) {
            unsetKey(of: id)
            guard let key, slots[id] != nil else { return }
            switch key {
            case .inode(let number):
                byInode[number] = id
                slots[id]!.keyKind = .inode
                slots[id]!.keyInode = number
            case .name(let parent, let name):
                let nameKey = NameKey(parent: parent, name: name)
                byName[nameKey] = id
                nameKeys[id] = nameKey
                slots[id]!.keyKind = .name
            }
        }

        /// Forgets `id`'s key (the key keeps pointing elsewhere if another node took it since).
        mutating func unsetKey(of id: NodeID) {
            guard let slot = slots[id] else { return }
            switch slot.keyKind {
            case .none: return
            case .inode:
                if byInode[slot.keyInode] == id { byInode[slot.keyInode] = nil }
            case .name:
                if let nameKey = nameKeys.removeValue(forKey: id), byName[nameKey] == id { byName[nameKey] = nil }
            }
            slots[id]!.keyKind = .none
        }
    }

    let root: Node
    private let state: Mutex<State>

    init(root: Node) {
        self.root = root
        var initial = State()
        initial.slots[root.id] = Slot(node: root, lookups: 1)
        initial.setKey(.inode(root.inode), of: root.id)
        state = Mutex(initial)
    }

    /// The node with `id`, or ENOENT (the kernel used an id we no longer hold).
    func node(_ id: NodeID) throws -> Node {
        guard let node = state.withLock({ $0.slots[id]?.node }) else {
            throw SystemError("node", errno: ENOENT, path: "#\(id)")
        }
        return node
    }

    /// The live node for `name` in `parent` (name-keyed) or for `inode`, without counting a lookup.
    func node(in parent: Node, named name: String, inode: UInt64) -> Node? {
        state.withLock { state in
            let id = state.id(for: .name(parent: parent.id, name)) ?? state.id(for: .inode(inode))
            return id.flatMap { state.slots[$0]?.node }
        }
    }

    /// The node for `key`, counting one kernel lookup; `make` builds it (under the table lock)
    /// when none is live.
    func resolve(key: Key, make: (NodeID) -> Node) -> Node {
        state.withLock { state in
            if let id = state.id(for: key), state.slots[id] != nil {
                state.slots[id]!.lookups += 1
                return state.slots[id]!.node
            }
            let id = state.nextID
            state.nextID += 1
            let node = make(id)
            state.slots[id] = Slot(node: node, lookups: 1)
            state.setKey(key, of: id)
            if let parent = node.parent { state.slots[parent.id]?.children += 1 }
            return node
        }
    }

    /// The kernel got one more reference to `node` (create, mkdir, link replies).
    func addLookup(_ node: Node) {
        state.withLock { $0.slots[node.id]?.lookups += 1 }
    }

    /// `node` got a further name in `parent`.
    func linked(_ node: Node, in parent: Node) {
        state.withLock { state in
            guard state.slots[node.id] != nil else { return }
            state.slots[parent.id]?.children += 1
        }
    }

    /// One of `node`'s names in `parent` is gone.
    func unlinked(_ node: Node, from parent: Node) {
        state.withLock { state in
            guard state.slots[node.id] != nil else { return }
            state.slots[parent.id]?.children -= 1
            Self.dropUnused(parent.id, in: &state)
        }
    }

    /// `node` is no longer found by its key (it left the merged view); it stays until forgotten.
    func detach(_ node: Node) {
        state.withLock { $0.unsetKey(of: node.id) }
    }

    /// `node` is now found by `key` instead of its old one (copy-up renumbering, rename of a
    /// name-keyed node).
    func rekey(_ node: Node, to key: Key) {
        state.withLock { state in
            guard let slot = state.slots[node.id], slot.keyKind != .none else { return }
            state.setKey(key, of: node.id)
        }
    }

    /// The key a node is found by, nil once detached.
    func key(of node: Node) -> Key? {
        state.withLock { $0.key(of: node.id) }
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
            state.unsetKey(of: current)
            state.slots[current] = nil
            for parent in slot.node.linkParents {
                state.slots[parent.id]?.children -= 1
                pending.append(parent.id)
            }
        }
    }
}
