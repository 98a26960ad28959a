import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

@Suite struct NodeTests {
    @Test func inodeNumbersSurviveCopyUp() throws {
        let fixture = try LayerFixture(lowers: 2)
        try fixture.file("l1/d/f", "x")
        try fixture.directory("l0/d")
        let overlay = try fixture.overlay()
        let fileBefore = try overlay.entry("d/f").attributes.st_ino
        let directoryBefore = try overlay.entry("d").attributes.st_ino
        #expect(fileBefore == (try fixture.status("l1/d/f")?.st_ino))
        _ = try overlay.setAttributes(of: overlay.node("d/f"), AttributeChanges(mode: 0o600), handle: nil)
        #expect(try fixture.status("upper/d/f") != nil)
        #expect(try overlay.entry("d/f").attributes.st_ino == fileBefore)
        #expect(try overlay.entry("d").attributes.st_ino == directoryBefore)
        // Also after the kernel forgot the nodes and looks them up again.
        try forgetAll(overlay, ["d/f", "d"])
        #expect(try overlay.entry("d/f").attributes.st_ino == fileBefore)
        #expect(try overlay.entry("d").attributes.st_ino == directoryBefore)
    }

    @Test func newFilesGetDistinctNumbers() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/a", "")
        let overlay = try fixture.overlay()
        var seen: Set<UInt64> = [UInt64(try overlay.entry("a").attributes.st_ino), UInt64(try overlay.entry("").attributes.st_ino)]
        for index in 0..<20 {
            let (entry, file) = try overlay.create(parent: Overlay.rootNode, name: "n\(index)", mode: 0o644,
                                                   flags: O_WRONLY, caller: rootCaller)
            overlay.release(file.handle)
            #expect(seen.insert(UInt64(entry.attributes.st_ino)).inserted)
        }
    }

    @Test func forgetDropsNodes() throws {
        let fixture = try LayerFixture()
        for index in 0..<50 { try fixture.file("l0/d/sub/f\(index)", "") }
        let overlay = try fixture.overlay()
        #expect(overlay.nodes.count == 1)
        var found: [NodeID] = []
        let d = try overlay.lookup(parent: Overlay.rootNode, name: "d").node
        let sub = try overlay.lookup(parent: d, name: "sub").node
        for index in 0..<50 { found.append(try overlay.lookup(parent: sub, name: "f\(index)").node) }
        _ = try overlay.lookup(parent: sub, name: "f0")  // a second lookup of one name
        #expect(overlay.nodes.count == 53)
        // Parents stay while a child needs them.
        overlay.forget(d, lookups: 1)
        overlay.forget(sub, lookups: 1)
        #expect(overlay.nodes.count == 53)
        for node in found { overlay.forget(node, lookups: 1) }
        #expect(overlay.nodes.count == 4)  // f0 still has a lookup: it keeps sub and d
        overlay.forget(found[0], lookups: 1)
        #expect(overlay.nodes.count == 1)
    }

    @Test func forgetAllReturnsToRoot() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/a/b/c", "")
        let overlay = try fixture.overlay()
        _ = try overlay.entry("a/b/c")
        _ = try overlay.entry("a/b/c")
        #expect(overlay.nodes.count == 4)
        try forgetAll(overlay, ["a/b/c", "a/b", "a"], times: 2)
        #expect(overlay.nodes.count == 1)
        #expect(try overlay.read("a/b/c") == "")
    }

    @Test func aForgottenNodeIsGoneUntilLookedUpAgain() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/a", "abc")
        let overlay = try fixture.overlay()
        let first = try overlay.node("a")
        overlay.forget(first, lookups: 1)
        #expect(overlay.errno { _ = try overlay.attributes(of: first) } == ENOENT)
        // The id may be handed out again (ids are reused once forgotten): the new node works.
        let second = try overlay.node("a")
        #expect(try overlay.attributes(of: second).st_size == 3)
    }

    /// Drops every kernel reference to the nodes at `paths`.
    private func forgetAll(_ overlay: Overlay, _ paths: [String], times: UInt64 = 1) throws {
        let ids = try paths.map { try overlay.node($0) }
        for id in ids { overlay.forget(id, lookups: UInt64.max) }
    }
}
