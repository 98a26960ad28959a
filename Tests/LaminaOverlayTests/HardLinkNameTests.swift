import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

/// Files with several names: each lower name is a node of its own (copying one up breaks the
/// link, as overlayfs without index=on does), names of one upper file share a node, and unlink
/// and rename act on the name they are given, not on the node's first name.
@Suite struct HardLinkNameTests {
    /// A directory as a `podman build` step leaves it: an older layer's files, then a layer that
    /// changed `a`, whited out `b` (OCI `.wh.` file) and linked `a-link` to `a`.
    private func builtLayers() throws -> LayerFixture {
        let fixture = try LayerFixture(lowers: 2)
        try fixture.file("l1/app/data/a", "one")
        try fixture.file("l1/app/data/b", "two")
        try fixture.file("l0/app/data/a", "changed")
        try fixture.file("l0/app/data/.wh.b", mode: 0)
        try fixture.hardLink("l0/app/data/a", "l0/app/data/a-link")
        return fixture
    }

    @Test func unlinkOneLowerNameLeavesTheOther() throws {
        let fixture = try builtLayers()
        let overlay = try fixture.overlay()
        let data = try overlay.node("app/data")
        // Both names looked up first, as readdirplus or `ls -l` does before `rm` (busybox).
        let a = try overlay.lookup(parent: data, name: "a")
        let aLink = try overlay.lookup(parent: data, name: "a-link")
        #expect(a.node != aLink.node)
        #expect(a.attributes.st_ino == aLink.attributes.st_ino)
        try overlay.removeFile(parent: data, name: "a")
        #expect(try overlay.attributes(of: aLink.node).st_nlink == 2)
        #expect(try overlay.read("app/data/a-link") == "changed")
        try overlay.removeFile(parent: data, name: "a-link")
        try overlay.removeDirectory(parent: overlay.node("app"), name: "data")
        #expect(try overlay.names("app") == [])
        #expect(try fixture.status("upper/app/data").map { $0.st_mode & S_IFMT } == S_IFCHR)
        #expect(try fixture.contents("l0/app/data/a-link") == "changed")
    }

    @Test func copyUpOfOneLowerNameBreaksTheLink() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/dir/h1", "h")
        try fixture.hardLink("l0/dir/h1", "l0/dir/h2")
        let overlay = try fixture.overlay()
        let h1 = try overlay.entry("dir/h1")
        let h2 = try overlay.entry("dir/h2")
        #expect(h1.attributes.st_ino == h2.attributes.st_ino)
        #expect(h1.attributes.st_nlink == 2)
        try overlay.write("dir/h1", "x")
        let copied = try overlay.attributes(of: h1.node)
        #expect(copied.st_ino != h2.attributes.st_ino)
        #expect(copied.st_nlink == 1)
        #expect(try overlay.attributes(of: h2.node).st_nlink == 2)
        #expect(try overlay.attributes(of: h2.node).st_ino == h2.attributes.st_ino)
        #expect(try overlay.read("dir/h1") == "x")
        #expect(try overlay.read("dir/h2") == "h")
        // A later lookup finds the copied-up node; the listing reports the numbers stat reports.
        #expect(try overlay.entry("dir/h1").node == h1.node)
        let listed = Dictionary(uniqueKeysWithValues: try overlay.listing("dir").map { ($0.name, $0.inode) })
        #expect(listed["h1"] == UInt64(copied.st_ino))
        #expect(listed["h2"] == UInt64(h2.attributes.st_ino))
    }

    @Test func linkThroughTheMountToOneLowerName() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/h1", "h")
        try fixture.hardLink("l0/h1", "l0/h2")
        let overlay = try fixture.overlay()
        let h1 = try overlay.entry("h1")
        let h2 = try overlay.entry("h2")
        let h3 = try overlay.link(h1.node, newParent: Overlay.rootNode, newName: "h3")
        #expect(h3.node == h1.node)
        #expect(h3.attributes.st_nlink == 2)
        #expect(h3.attributes.st_ino != h2.attributes.st_ino)
        #expect(try overlay.attributes(of: h2.node).st_nlink == 2)
        try overlay.write("h3", "three")
        #expect(try overlay.read("h1") == "three")
        #expect(try overlay.read("h2") == "h")
    }

    @Test func unlinkTheFirstNameOfAnUpperHardLink() throws {
        let fixture = try LayerFixture()
        try fixture.directory("l0/sub")
        try fixture.file("upper/x", "upper")
        try fixture.directory("upper/sub")
        try fixture.hardLink("upper/x", "upper/sub/y")
        let overlay = try fixture.overlay()
        let x = try overlay.entry("x")
        let y = try overlay.entry("sub/y")
        #expect(x.node == y.node)
        try overlay.removeFile(parent: Overlay.rootNode, name: "x")
        #expect(try overlay.attributes(of: y.node).st_nlink == 1)
        #expect(try overlay.read("sub/y") == "upper")
        try overlay.write("sub/y", "changed")
        #expect(try fixture.contents("upper/sub/y") == "changed")
        try overlay.removeFile(parent: overlay.node("sub"), name: "y")
        #expect(try overlay.names("sub") == [])
    }

    @Test func renameActsOnTheNameGiven() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/f", "one")
        try fixture.directory("l0/d")
        let overlay = try fixture.overlay()
        let f = try overlay.entry("f")
        _ = try overlay.link(f.node, newParent: Overlay.rootNode, newName: "g")
        try overlay.rename(parent: Overlay.rootNode, name: "g", newParent: overlay.node("d"), newName: "h", flags: [])
        try overlay.removeFile(parent: Overlay.rootNode, name: "f")
        #expect(try overlay.names("") == ["d"])
        #expect(try overlay.read("d/h") == "one")
        #expect(try overlay.attributes(of: f.node).st_nlink == 1)
        try overlay.write("d/h", "two")
        #expect(try fixture.contents("upper/d/h") == "two")
    }
}
