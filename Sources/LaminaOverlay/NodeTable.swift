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
/// Nodes live in an array indexed by NodeID (the root at `Overlay.rootNode`), and a dropped node's
/// id is handed out again before the array grows, so the array is as long as the most nodes live
/// at once, not as every node ever made. FUSE allows reusing an id once the kernel's lookup count
/// for it reached zero, which is when a node is dropped: the kernel then holds no inode with that
/// id. Only a file system exported over NFS must keep (id, generation) unique beyond forget, and
/// Lamina keeps FUSE export support off. No key outlives its node (a node's key goes when it is
/// dropped, and a name key's parent counts that name as a child, so it outlives the key), and a
/// `Node` passed in acts only on its own slot, so a node dropped while some caller still held it
/// never touches the node that took its id over.
///
/// Thread safety: `state` (Mutex) protects the slots, free ids, maps and counts. It may be taken
/// while a directory lock is held, and it takes node `placement` locks inside; never the other way
/// round.
final class NodeTable: Sendable {
    /// What makes two names one node.
    enum Key: Hashable, Sendable {
        /// Every name of the file with this merged inode number (upper files, directories, lower
        /// files with one link).
        case inode(UInt64)
        /// One name only: a lower file with several links. Its names are separate files of the
        /// merged view (copying one up breaks the link, as overlayfs without `index=on` does),
        /// though until then they report one inode number.
        case name(parent: NodeID, FileName)
    }

    /// What the table keeps per node, kept small (one per cached inode: tens of thousands on a
    /// deep image): the key is stored as its inode number, or in `nameKeys` for the rare
    /// name-keyed node. `Slot?` takes no more room than `Slot` (nil is a spare bit pattern of the
    /// node reference).
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
        var name: FileName
    }

    private struct State {
        /// Index: NodeID. nil for id 0 and for dropped ids (which wait in `freeIDs`).
        var slots: ContiguousArray<Slot?> = []
        /// Dropped ids, handed out again (the last dropped first) before `slots` grows.
        var freeIDs: [NodeID] = []
        var liveCount = 0
        var byInode = InodeSlots()
        var byName: [NameKey: NodeID] = [:]
        var nameKeys: [NodeID: NameKey] = [:]

        /// The slot of live node `id`; nil for any other id, past the end of `slots` included.
        func slot(_ id: NodeID) -> Slot? {
            id < slots.count ? slots[Int(id)] : nil
        }

        /// The inode number a slot is keyed by, for `byInode` (which stores ids only). A snapshot
        /// of the slots: `byInode` is mutated while it reads them.
        var inodeKey: (NodeID) -> UInt64? {
            let slots = slots
            return { id in
                guard id < slots.count, let slot = slots[Int(id)], slot.keyKind == .inode else { return nil }
                return slot.keyInode
            }
        }

        /// True when `node` is the live node with its id (not a dropped node whose id was reused).
        func isLive(_ node: Node) -> Bool {
            slot(node.id)?.node === node
        }

        /// Changes the slot of live node `id`; false (and no change) when `id` is not live.
        @discardableResult
        mutating func update(_ id: NodeID, _ change: (inout Slot) -> Void) -> Bool {
            guard slot(id) != nil else { return false }
            change(&slots[Int(id)]!)
            return true
        }

        /// Changes `node`'s slot; false (and no change) unless `node` itself is live.
        @discardableResult
        mutating func update(_ node: Node, _ change: (inout Slot) -> Void) -> Bool {
            guard isLive(node) else { return false }
            change(&slots[Int(node.id)]!)
            return true
        }

        /// Adds a node with one lookup under a free id (or a new one at the end), made by `make`.
        mutating func insert(_ make: (NodeID) -> Node) -> Node {
            let id = freeIDs.popLast() ?? NodeID(slots.count)
            let node = make(id)
            let slot = Slot(node: node, lookups: 1)
            if id < slots.count { slots[Int(id)] = slot } else { slots.append(slot) }
            liveCount += 1
            return node
        }

        /// Drops live node `id` (its key must be unset already); its id becomes free.
        mutating func remove(_ id: NodeID) {
            slots[Int(id)] = nil
            freeIDs.append(id)
            liveCount -= 1
        }

        func id(for key: Key) -> NodeID? {
            switch key {
            case .inode(let number): byInode.find(number, keyOf: inodeKey)
            case .name(let parent, let name): byName[NameKey(parent: parent, name: name)]
            }
        }

        func key(of id: NodeID) -> Key? {
            guard let slot = slot(id) else { return nil }
            switch slot.keyKind {
            case .none: return nil
            case .inode: return .inode(slot.keyInode)
            case .name: return nameKeys[id].map { .name(parent: $0.parent, $0.name) }
            }
        }

        /// Files `id` under `key` (replacing the key it had).
        mutating func setKey(_ key: Key?, of id: NodeID) {
            unsetKey(of: id)
            guard let key, slot(id) != nil else { return }
            switch key {
            case .inode(let number):
                // The slot holds the key first: the table reads it back from there.
                update(id) { slot in
                    slot.keyKind = .inode
                    slot.keyInode = number
                }
                byInode.set(number, to: id, keyOf: inodeKey)
            case .name(let parent, let name):
                let nameKey = NameKey(parent: parent, name: name)
                byName[nameKey] = id
                nameKeys[id] = nameKey
                update(id) { $0.keyKind = .name }
            }
        }

        /// Forgets `id`'s key (the key keeps pointing elsewhere if another node took it since).
        mutating func unsetKey(of id: NodeID) {
            guard let slot = slot(id) else { return }
            switch slot.keyKind {
            case .none: return
            case .inode:
                byInode.remove(slot.keyInode, ifMappedTo: id, keyOf: inodeKey)
            case .name:
                if let nameKey = nameKeys.removeValue(forKey: id), byName[nameKey] == id { byName[nameKey] = nil }
            }
            update(id) { $0.keyKind = .none }
        }
    }

    let root: Node
    private let state: Mutex<State>

    init(root: Node) {
        self.root = root
        var initial = State()
        initial.slots = ContiguousArray(repeating: nil, count: Int(root.id) + 1)
        initial.slots[Int(root.id)] = Slot(node: root, lookups: 1)
        initial.liveCount = 1
        initial.setKey(.inode(root.inode), of: root.id)
        state = Mutex(initial)
    }

    /// The node with `id`, or ENOENT (the kernel used an id we no longer hold).
    func node(_ id: NodeID) throws -> Node {
        guard let node = state.withLock({ $0.slot(id)?.node }) else {
            throw SystemError("node", errno: ENOENT, path: "#\(id)")
        }
        return node
    }

    /// The live node for `name` in `parent` (name-keyed) or for `inode`, without counting a lookup.
    func node(in parent: Node, named name: FileName, inode: UInt64) -> Node? {
        state.withLock { state in
            let named = state.isLive(parent) ? state.id(for: .name(parent: parent.id, name)) : nil
            let id = named ?? state.id(for: .inode(inode))
            return id.flatMap { state.slot($0)?.node }
        }
    }

    /// The node for `key`, counting one kernel lookup; `make` builds it (under the table lock)
    /// when none is live.
    func resolve(key: Key, make: (NodeID) -> Node) -> Node {
        state.withLock { state in
            if let id = state.id(for: key), let node = state.slot(id)?.node {
                state.update(id) { $0.lookups += 1 }
                return node
            }
            let node = state.insert(make)
            state.setKey(key, of: node.id)
            if let parent = node.parent { state.update(parent) { $0.children += 1 } }
            return node
        }
    }

    /// The kernel got one more reference to `node` (create, mkdir, link replies).
    func addLookup(_ node: Node) {
        state.withLock { _ = $0.update(node) { $0.lookups += 1 } }
    }

    /// `node` got a further name in `parent`.
    func linked(_ node: Node, in parent: Node) {
        state.withLock { state in
            guard state.isLive(node) else { return }
            state.update(parent) { $0.children += 1 }
        }
    }

    /// One of `node`'s names in `parent` is gone.
    func unlinked(_ node: Node, from parent: Node) {
        state.withLock { state in
            guard state.isLive(node), state.update(parent, { $0.children -= 1 }) else { return }
            var dropped: [Node] = []
            Self.dropUnused(parent.id, in: &state, dropped: &dropped)
        }
    }

    /// `node` is no longer found by its key (it left the merged view); it stays until forgotten.
    func detach(_ node: Node) {
        state.withLock { state in
            guard state.isLive(node) else { return }
            state.unsetKey(of: node.id)
        }
    }

    /// `node` is now found by `key` instead of its old one (copy-up renumbering, rename of a
    /// name-keyed node).
    func rekey(_ node: Node, to key: Key) {
        state.withLock { state in
            guard let slot = state.slot(node.id), slot.node === node, slot.keyKind != .none else { return }
            state.setKey(key, of: node.id)
        }
    }

    /// The key a node is found by, nil once detached.
    func key(of node: Node) -> Key? {
        state.withLock { $0.isLive(node) ? $0.key(of: node.id) : nil }
    }

    /// One of the node's names moved from directory `old` to `new` (rename).
    func reparent(_ node: Node, from old: Node, to new: Node) {
        guard old !== new else { return }
        state.withLock { state in
            guard state.isLive(node) else { return }
            let oldIsLive = state.update(old) { $0.children -= 1 }
            state.update(new) { $0.children += 1 }
            var dropped: [Node] = []
            if oldIsLive { Self.dropUnused(old.id, in: &state, dropped: &dropped) }
        }
    }

    /// The kernel dropped `lookups` references.
    /// Returns the nodes this dropped (the node itself, and parents it was the last child of).
    @discardableResult
    func forget(_ id: NodeID, lookups: UInt64) -> [Node] {
        guard id != root.id else { return [] }
        return state.withLock { state in
            var dropped: [Node] = []
            let live = state.update(id) { slot in
                slot.lookups = slot.lookups > lookups ? slot.lookups - lookups : 0
            }
            if live { Self.dropUnused(id, in: &state, dropped: &dropped) }
            return dropped
        }
    }

    /// Number of live nodes (tests and statistics).
    var count: Int { state.withLock { $0.liveCount } }

    /// Drops `id` if nothing holds it, then each directory one of its names was in if that was the
    /// directory's last child name, and so on.
    private static func dropUnused(_ id: NodeID, in state: inout State, dropped: inout [Node]) {
        var pending = [id]
        while let current = pending.popLast() {
            guard current != Overlay.rootNode, let slot = state.slot(current), slot.lookups == 0, slot.children <= 0
            else { continue }
            state.unsetKey(of: current)
            state.remove(current)
            dropped.append(slot.node)
            for parent in slot.node.linkParents {
                if state.update(parent, { $0.children -= 1 }) { pending.append(parent.id) }
            }
        }
    }
}
