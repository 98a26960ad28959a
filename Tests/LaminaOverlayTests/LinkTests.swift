import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

@Suite struct LinkTests {
    @Test func linkLowerFileSharesOneNode() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/f", "one")
        let overlay = try fixture.overlay()
        let original = try overlay.entry("f")
        let linked = try overlay.link(original.node, newParent: Overlay.rootNode, newName: "g")
        #expect(linked.node == original.node)
        #expect(linked.attributes.st_ino == original.attributes.st_ino)
        #expect(linked.attributes.st_nlink == 2)
        try overlay.write("g", "two")
        #expect(try overlay.read("f") == "two")
        #expect(try fixture.contents("l0/f") == "one")
        #expect(try fixture.status("upper/f")?.st_ino == fixture.status("upper/g")?.st_ino)
        try overlay.removeFile(parent: Overlay.rootNode, name: "f")
        #expect(try overlay.read("g") == "two")
        #expect(try overlay.attributes(of: original.node).st_nlink == 1)
    }

    @Test func lowerHardLinksShowOneInode() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/a", "same")
        try fixture.hardLink("l0/a", "l0/sub/b")
        let overlay = try fixture.overlay()
        let a = try overlay.entry("a")
        let b = try overlay.entry("sub/b")
        #expect(a.attributes.st_ino == b.attributes.st_ino)
        #expect(a.attributes.st_nlink == 2 && b.attributes.st_nlink == 2)
        // One node per lower name: copying one up breaks the link (see HardLinkNameTests).
        #expect(a.node != b.node)
    }

    @Test func linkDirectoryIsRefused() throws {
        let fixture = try LayerFixture()
        try fixture.directory("l0/d")
        let overlay = try fixture.overlay()
        #expect(overlay.errno { _ = try overlay.link(overlay.node("d"), newParent: Overlay.rootNode, newName: "e") } == EPERM)
    }
}
