import Dispatch
import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

/// The node table hands a forgotten node's id out again, so its array follows the most nodes live
/// at once: an id the kernel forgot is unknown until reused, and a reused id always means the node
/// holding it now.
@Suite struct NodeTableReuseTests {
    @Test func forgottenIDIsUnknownUntilReused() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/a", "a")
        try fixture.file("l0/b", "bb")
        let overlay = try fixture.overlay()
        let a = try overlay.node("a")
        overlay.forget(a, lookups: 1)
        #expect(overlay.nodes.count == 1)
        #expect(overlay.errno { _ = try overlay.attributes(of: a) } == ENOENT)

        let b = try overlay.node("b")
        #expect(b == a)  // the free id is taken before a new one
        let status = try overlay.attributes(of: b)
        #expect(status.st_ino == (try fixture.status("l0/b")?.st_ino))
        #expect(status.st_size == 2)
        #expect(try overlay.read("b") == "bb")

        // a comes back under another id; b keeps its own.
        let again = try overlay.node("a")
        #expect(again != b)
        #expect(try overlay.attributes(of: again).st_ino == (try fixture.status("l0/a")?.st_ino))
        #expect(try overlay.attributes(of: b).st_size == 2)
    }

    /// Ids never handed out: 0, just past the last one, far past it, and the largest.
    @Test(arguments: [NodeID(0), 3, 1_000_000, NodeID.max])
    func idsNeverHandedOutAreUnknown(id: NodeID) throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/a", "")
        let overlay = try fixture.overlay()
        let a = try overlay.node("a")
        #expect(a == 2)
        #expect(overlay.errno { _ = try overlay.attributes(of: id) } == ENOENT)
        #expect(overlay.errno { _ = try overlay.lookup(parent: id, name: "a") } == ENOENT)
        overlay.forget(id, lookups: 1)
        #expect(overlay.nodes.count == 2)
        #expect(try overlay.attributes(of: a).st_ino == (try fixture.status("l0/a")?.st_ino))
    }

    /// 300 files looked up 8 at a time, each batch forgotten before the next: ids stay within the
    /// most nodes live at once, and every id means the file it was given to.
    @Test func idsFollowTheMostNodesLiveAtOnce() throws {
        let fixture = try LayerFixture()
        let names = (0..<300).map { "f\($0)" }
        try fixture.emptyFiles(in: "l0/d", names)
        let overlay = try fixture.overlay()
        let d = try overlay.node("d")
        var peak = 0
        var highest: NodeID = 0
        for start in stride(from: 0, to: names.count, by: 8) {
            let batch = names[start..<min(start + 8, names.count)]
            let nodes = try batch.map { try overlay.lookup(parent: d, name: $0).node }
            #expect(Set(nodes).count == nodes.count)
            for (name, node) in zip(batch, nodes) {
                #expect(try overlay.attributes(of: node).st_ino == (try fixture.status("l0/d/\(name)")?.st_ino))
            }
            peak = max(peak, overlay.nodes.count)
            highest = nodes.reduce(highest, max)
            for node in nodes { overlay.forget(node, lookups: 1) }
        }
        #expect(peak == 10)  // the root, d and 8 files
        #expect(highest <= NodeID(peak))
        overlay.forget(d, lookups: 1)
        #expect(overlay.nodes.count == 1)
    }

    /// A lower file with several links is found by its directory's id and its name. Once the
    /// directory and the file are forgotten and their ids go to other nodes, that key must not
    /// find the old file (nor the node holding its id now) under the directory with the old id.
    @Test func nameKeysDoNotOutliveTheirDirectory() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/d/x", "d")
        try fixture.hardLink("l0/d/x", "l0/d/y")
        try fixture.file("l0/e/x", "e file")
        try fixture.hardLink("l0/e/x", "l0/e/z")
        try fixture.file("l0/w", "w file")
        let overlay = try fixture.overlay()
        let d = try overlay.node("d")
        let dx = try overlay.lookup(parent: d, name: "x").node
        overlay.forget(dx, lookups: 1)
        overlay.forget(d, lookups: 1)
        #expect(overlay.nodes.count == 1)

        let e = try overlay.node("e")
        let w = try overlay.node("w")
        try #require(e == d && w == dx, "the test needs e and w to take over d's and d/x's ids")
        let ex = try overlay.lookup(parent: e, name: "x").node
        #expect(ex != w)
        #expect(try overlay.attributes(of: ex).st_ino == (try fixture.status("l0/e/x")?.st_ino))
        #expect(try overlay.read("e/x") == "e file")
        #expect(try overlay.read("w") == "w file")
    }

    /// A file removed while the kernel still holds it keeps its directory's node, and so its id,
    /// until the file is forgotten too.
    @Test func removedFileKeepsItsDirectoryID() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/d/f", "data")
        try fixture.file("l0/other", "other")
        let overlay = try fixture.overlay()
        let d = try overlay.node("d")
        let f = try overlay.lookup(parent: d, name: "f").node
        try overlay.removeFile(parent: d, name: "f")
        overlay.forget(d, lookups: 1)
        let other = try overlay.node("other")
        #expect(other != d && other != f)
        #expect(overlay.nodes.count == 4)
        #expect(try overlay.attributes(of: d).st_mode & S_IFMT == S_IFDIR)

        overlay.forget(f, lookups: 1)  // f goes, then d with it
        #expect(overlay.nodes.count == 2)
        #expect(overlay.errno { _ = try overlay.attributes(of: d) } == ENOENT)
        #expect(overlay.errno { _ = try overlay.attributes(of: f) } == ENOENT)
        let again = try overlay.node("d")
        #expect(again == d || again == f)
        #expect(try overlay.names("d") == [])
        #expect(try overlay.read("other") == "other")
    }

    /// Threads look up (three at a time) and forget overlapping names at once: an id is never given to a second
    /// node while the first is live, and the table ends with the root alone.
    @Test func concurrentLookupsAndForgetsNeverShareAnID() throws {
        let fixture = try LayerFixture()
        let names = (0..<64).map { "f\($0)" }
        try fixture.emptyFiles(in: "l0/d", names)
        let inodes = try names.map { try #require(try fixture.status("l0/d/\($0)")).st_ino }
        let overlay = try fixture.overlay()
        let d = try overlay.node("d")
        let failures = FailureCount()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for round in 0..<300 {
                let indexes = (0..<3).map { (thread * 5 + round + $0) % names.count }
                do {
                    let nodes = try indexes.map { try overlay.lookup(parent: d, name: names[$0]).node }
                    for (index, node) in zip(indexes, nodes) where try overlay.attributes(of: node).st_ino != inodes[index] {
                        failures.add()
                    }
                    for node in nodes { overlay.forget(node, lookups: 1) }
                } catch {
                    failures.add()
                }
            }
        }
        #expect(failures.value == 0)
        #expect(overlay.nodes.count == 2)
        overlay.forget(d, lookups: 1)
        #expect(overlay.nodes.count == 1)
    }
}
