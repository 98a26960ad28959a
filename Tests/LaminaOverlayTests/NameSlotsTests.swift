import Glibc
import LaminaTestSupport
import Testing
import LaminaSystem
@testable import LaminaOverlay

@Suite struct NameSlotsTests {
    /// The entries a `NameSlots` indexes, kept the way `DirectoryIndex` keeps them: a name's entry at
    /// the position the table holds for it, nil where a name was removed.
    struct Table {
        var slots = NameSlots()
        var entries: NameSlots.Entries = []

        /// Adds `name` and returns nil, or returns the position it already has.
        mutating func add(_ text: String) -> Int? {
            let name = LaminaOverlayTests.name(text)
            guard let existing = slots.insert(name, at: entries.count, in: entries) else {
                entries.append(NameSlotsTests.entry(text))
                return nil
            }
            return existing
        }

        mutating func remove(_ text: String) -> Int? {
            guard let position = slots.remove(LaminaOverlayTests.name(text), in: entries) else { return nil }
            entries[position] = nil
            return position
        }

        func find(_ text: String) -> Int? { slots.find(LaminaOverlayTests.name(text), in: entries) }
    }

    static func entry(_ text: String) -> DirectoryIndex.Entry {
        DirectoryIndex.Entry(name: LaminaOverlayTests.name(text), layer: 0, type: UInt8(DT_REG), inode: 0, inLower: false,
                             lowerPositions: [], merging: false)
    }

    @Test func findsWhatWasInsertedAndNothingElse() {
        var table = Table()
        #expect(table.find("a") == nil)
        for name in ["a", "b", "a-much-longer-name-than-fits-a-small-string", "é"] {
            #expect(table.add(name) == nil)
        }
        #expect(table.slots.count == 4)
        #expect(table.find("a") == 0)
        #expect(table.find("b") == 1)
        #expect(table.find("a-much-longer-name-than-fits-a-small-string") == 2)
        #expect(table.find("é") == 3)
        #expect(table.find("c") == nil)
        #expect(FileName(bytes: [UInt8]()) == nil)  // no empty name exists to look for
        #expect(table.add("b") == 1)
        #expect(table.slots.count == 4)
        #expect(table.entries.count == 4)
    }

    @Test func removedNamesAreGoneAndTheRestStay() {
        var table = Table()
        for index in 0..<100 { _ = table.add("f\(index)") }
        for index in stride(from: 0, to: 100, by: 3) {
            #expect(table.remove("f\(index)") == index)
        }
        #expect(table.remove("f0") == nil)
        #expect(table.remove("never") == nil)
        #expect(table.slots.count == 66)
        for index in 0..<100 {
            #expect(table.find("f\(index)") == (index % 3 == 0 ? nil : index))
        }
        #expect(table.add("f0") == nil)
        #expect(table.find("f0") == 100)
    }

    /// Removing and adding names over and over reuses the removed buckets, or rebuilds the table
    /// without them: it does not grow with the number of operations (10,000 names held at once
    /// would take 16,384 buckets).
    @Test func removedBucketsAreReused() {
        var table = Table()
        for index in 0..<20 { _ = table.add("keep\(index)") }
        let buckets = table.slots.bucketCount
        for round in 0..<10_000 {
            #expect(table.add("churn\(round)") == nil)
            #expect(table.remove("churn\(round)") == table.entries.count - 1)
        }
        #expect(table.slots.count == 20)
        #expect(table.slots.bucketCount <= 2 * buckets)
        for index in 0..<20 { #expect(table.find("keep\(index)") == index) }
        #expect(table.find("churn9999") == nil)
    }

    @Test(arguments: [1, 6, 7, 1000, 50_000])
    func growsThroughRehashesKeepingEveryName(count: Int) {
        var table = Table()
        var rehashes = 0
        for index in 0..<count {
            let before = table.slots.bucketCount
            #expect(table.add("name-\(index)") == nil)
            if table.slots.bucketCount != before { rehashes += 1 }
            #expect(table.slots.count * 4 <= table.slots.bucketCount * 3)
        }
        #expect(table.slots.count == count)
        #expect(rehashes >= Int(log2(Double(count) / 6)))
        for index in 0..<count {
            #expect(table.find("name-\(index)") == index)
        }
        #expect(table.find("name-\(count)") == nil)
    }

    /// Names whose probes all start from one bucket: each is found past the others, also past the
    /// removed ones, and a removed bucket in the middle of the run is taken again.
    @Test func namesSharingAHomeBucket() {
        let size = 64
        let names = Self.names(count: 40, sharingHomeBucketIn: 4096)
        var table = Table()
        for name in names { #expect(table.add(name) == nil) }
        #expect(table.slots.bucketCount == size)
        #expect(Set(names.map { NameSlots.homeBucket(of: LaminaOverlayTests.name($0), bucketCount: size) }).count == 1)
        for (position, name) in names.enumerated() { #expect(table.find(name) == position) }
        for position in stride(from: 0, to: names.count, by: 2) {
            #expect(table.remove(names[position]) == position)
        }
        for (position, name) in names.enumerated() {
            #expect(table.find(name) == (position % 2 == 0 ? nil : position))
        }
        #expect(table.add(names[10]) == nil)
        #expect(table.find(names[10]) == names.count)
        #expect(table.add(names[11]) == 11)
        #expect(table.slots.bucketCount == size)
    }

    /// Random insertions and removals against a `[String: Int]`, which the table replaces.
    @Test(arguments: [UInt64(1), 2, 3])
    func agreesWithADictionary(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var table = Table()
        var model: [String: Int] = [:]
        for _ in 0..<40_000 {
            let name = "n\(random.next() % 3_000)"
            switch random.next() % 3 {
            case 0:
                let expected = model[name]
                if expected == nil { model[name] = table.entries.count }
                #expect(table.add(name) == expected)
            case 1:
                #expect(table.remove(name) == model.removeValue(forKey: name))
            default:
                #expect(table.find(name) == model[name])
            }
        }
        #expect(table.slots.count == model.count)
        for (name, position) in model { #expect(table.find(name) == position) }
    }

    @Test func rebuildFollowsMovedEntries() {
        var table = Table()
        for index in 0..<300 { _ = table.add("f\(index)") }
        for index in 0..<300 where index % 4 != 0 { _ = table.remove("f\(index)") }
        table.entries = table.entries.compactMap { $0 }.map { Optional($0) }
        table.slots.rebuild(from: table.entries)
        #expect(table.slots.count == 75)
        #expect(table.slots.bucketCount == 128)
        for index in 0..<300 {
            #expect(table.find("f\(index)") == (index % 4 == 0 ? index / 4 : nil))
        }
    }

    @Test func reservedRoomTakesNamesWithoutRehash() {
        var table = Table()
        _ = table.add("first")
        table.slots.reserveCapacity(20_000, in: table.entries)
        let buckets = table.slots.bucketCount
        #expect(buckets == 32_768)
        #expect(table.find("first") == 0)
        for index in 1..<20_000 { _ = table.add("e\(index)") }
        #expect(table.slots.bucketCount == buckets)
        #expect(table.find("e19999") == 19_999)
    }

    /// The index compacts its entries after many removals; its names must follow them.
    @Test func indexFindsNamesAfterCompaction() {
        var index = DirectoryIndex()
        for number in 0..<500 { index.insert(Self.entry("f\(number)")) }
        for number in 0..<500 where number % 5 != 0 { index.remove(named: name("f\(number)")) }
        #expect(index.count == 100)
        #expect(index.orderedEntries.map(\.name) == stride(from: 0, to: 500, by: 5).map { name("f\($0)") })
        for number in 0..<500 {
            #expect((index.entry(named: name("f\(number)")) != nil) == (number % 5 == 0))
        }
        index.insertOrUpdate(named: "f5") { Self.entry("wrong") } update: { $0.layer = 7 }
        index.insertOrUpdate(named: "new") { Self.entry("new") } update: { $0.layer = 7 }
        #expect(index.entry(named: "f5")?.layer == 7)
        #expect(index.entry(named: "new")?.layer == 0)
        #expect(Array(index.orderedEntries).last?.name == "new")
    }

    /// `count` names whose hashes agree in their low bits below `modulus` (a power of two), so they
    /// share a home bucket in every table of up to `modulus` buckets.
    static func names(count: Int, sharingHomeBucketIn modulus: Int) -> [String] {
        let target = NameSlots.homeBucket(of: "seed", bucketCount: modulus)
        var names: [String] = []
        var candidate = 0
        while names.count < count {
            let name = "c\(candidate)"
            if NameSlots.homeBucket(of: LaminaOverlayTests.name(name), bucketCount: modulus) == target { names.append(name) }
            candidate += 1
        }
        return names
    }
}
