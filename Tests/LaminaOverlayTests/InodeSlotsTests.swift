import LaminaTestSupport
import Testing
@testable import LaminaOverlay

/// `InodeSlots` against a `[UInt64: NodeID]` doing the same seeded operations, used the way the
/// `NodeTable` uses it: the key of an id lives beside it (here in `keys`), set before the id is
/// added and changed only after it is removed.
@Suite struct InodeSlotsTests {
    struct Model {
        var slots = InodeSlots()
        var reference: [UInt64: NodeID] = [:]
        /// The inode number each id is keyed by (the NodeTable's slots).
        var keys: [NodeID: UInt64] = [:]

        var keyOf: (NodeID) -> UInt64? {
            let keys = keys
            return { keys[$0] }
        }

        mutating func set(_ inode: UInt64, _ id: NodeID) {
            if let old = keys[id] { remove(id, keyedBy: old) }
            keys[id] = inode
            slots.set(inode, to: id, keyOf: keyOf)
            reference[inode] = id
        }

        mutating func remove(_ id: NodeID, keyedBy inode: UInt64) {
            slots.remove(inode, ifMappedTo: id, keyOf: keyOf)
            if reference[inode] == id { reference[inode] = nil }
            keys[id] = nil
        }

        func check(_ inodes: some Sequence<UInt64>, _ step: Int) {
            for inode in inodes {
                #expect(slots.find(inode, keyOf: keyOf) == reference[inode], "inode \(inode) after step \(step)")
            }
            #expect(slots.count == reference.count, "count after step \(step)")
        }
    }

    /// Seeded random sets (new keys, keys taken over by another id, ids re-keyed), removals and
    /// finds over a small range of inode numbers and ids, so keys collide, ids come back, removed
    /// marks pile up and the table rebuilds many times.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func matchesADictionary(seed: UInt64) {
        var generator = SeededRandom(seed: seed)
        var model = Model()
        let inodes: [UInt64] = (0..<600).map { $0 % 3 == 0 ? UInt64($0) : UInt64($0) << 40 | 7 }
        for step in 0..<20_000 {
            let id = NodeID(Int.random(in: 1...400, using: &generator))
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<5:
                model.set(inodes.randomElement(using: &generator) ?? 0, id)
            case 5..<9:
                if let inode = model.keys[id] { model.remove(id, keyedBy: inode) }
            default:
                model.check(inodes.prefix(50), step)
            }
        }
        model.check(inodes, 20_000)
    }

    /// Many ids, then nearly all removed and added again: finds stay right and the table does not
    /// keep growing with removed marks.
    @Test func growsAndDrains() {
        var model = Model()
        for round in 0..<3 {
            for id in 1...5_000 { model.set(UInt64(id) &* 4_096 + UInt64(round), NodeID(id)) }
            model.check((1...5_000).map { UInt64($0) &* 4_096 + UInt64(round) }, round)
            for id in 1...4_990 { model.remove(NodeID(id), keyedBy: UInt64(id) &* 4_096 + UInt64(round)) }
            model.check((1...5_000).map { UInt64($0) &* 4_096 + UInt64(round) }, round)
        }
    }

    @Test func idZeroAndIdsPastThirtyTwoBitsAreNotAdded() {
        var model = Model()
        model.keys[0] = 5
        model.slots.set(5, to: 0, keyOf: model.keyOf)
        model.keys[1 << 33] = 6
        model.slots.set(6, to: 1 << 33, keyOf: model.keyOf)
        #expect(model.slots.find(5, keyOf: model.keyOf) == nil)
        #expect(model.slots.find(6, keyOf: model.keyOf) == nil)
        #expect(model.slots.count == 0)
    }
}
