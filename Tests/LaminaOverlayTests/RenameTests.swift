import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

@Suite struct RenameTests {
    @Test func renameLowerFile() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/a/f", "data")
        try fixture.directory("l0/b")
        let before = try fixture.snapshot("l0")
        let overlay = try fixture.overlay()
        let inode = try overlay.entry("a/f").attributes.st_ino
        try overlay.rename(parent: overlay.node("a"), name: "f", newParent: overlay.node("b"), newName: "g", flags: [])
        #expect(try overlay.names("a").isEmpty)
        #expect(try overlay.names("b") == ["g"])
        #expect(try overlay.read("b/g") == "data")
        #expect(try overlay.entry("b/g").attributes.st_ino == inode)
        #expect(try fixture.status("upper/a/f").map(Whiteout.isDevice) == true)
        #expect(try fixture.snapshot("l0") == before)
    }

    @Test func renameLowerDirectoryUsesRedirect() throws {
        let fixture = try LayerFixture(lowers: 2)
        try fixture.file("l1/a/b/deep", "1")
        try fixture.file("l0/a/b/top", "2")
        try fixture.file("l0/a/b/sub/x", "3")
        let before = try fixture.snapshot("l0") + fixture.snapshot("l1")
        let overlay = try fixture.overlay()
        let directoryInode = try overlay.entry("a/b").attributes.st_ino
        try overlay.rename(parent: overlay.node("a"), name: "b", newParent: Overlay.rootNode, newName: "c", flags: [])
        #expect(try overlay.names("c") == ["deep", "sub", "top"])
        #expect(try overlay.read("c/sub/x") == "3")
        #expect(try overlay.read("c/deep") == "1")
        #expect(try overlay.names("a").isEmpty)
        #expect(try overlay.entry("c").attributes.st_ino == directoryInode)
        #expect(try fixture.attribute("upper/c", "trusted.overlay.redirect") == "/a/b")
        // A fresh mount reads the redirect from disk, and the old name stays deleted.
        let again = try fixture.overlay()
        #expect(try again.names("c") == ["deep", "sub", "top"])
        #expect(try again.names("a").isEmpty)
        #expect(try again.read("c/sub/x") == "3")
        // Changes inside the moved directory work.
        try overlay.write("c/deep", "changed")
        #expect(try overlay.read("c/deep") == "changed")
        #expect(try fixture.overlay().read("c/deep") == "changed")
        #expect(try fixture.snapshot("l0") + fixture.snapshot("l1") == before)
    }

    @Test func renameRedirectedDirectoryAgain() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/a/f", "x")
        let overlay = try fixture.overlay()
        try overlay.rename(parent: Overlay.rootNode, name: "a", newParent: Overlay.rootNode, newName: "b", flags: [])
        try overlay.rename(parent: Overlay.rootNode, name: "b", newParent: Overlay.rootNode, newName: "c", flags: [])
        #expect(try overlay.names("") == ["c"])
        #expect(try fixture.overlay().names("c") == ["f"])
        #expect(try fixture.overlay().names("") == ["c"])
    }

    /// Found by the differential fuzz test: a directory renamed within its parent (a relative
    /// redirect, its old name) and then moved to another parent kept the relative redirect, which
    /// then named a lower directory beside the new parent: the contents vanished at once and after
    /// a remount. The kernel rewrites it as the absolute path of the lower directory.
    @Test func renameSiblingRedirectedDirectoryToAnotherParent() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/shared/over", "x")
        let overlay = try fixture.overlay()
        try overlay.rename(parent: Overlay.rootNode, name: "shared", newParent: Overlay.rootNode, newName: "deep", flags: [])
        #expect(try fixture.attribute("upper/deep", "trusted.overlay.redirect") == "shared")
        _ = try overlay.makeDirectory(parent: Overlay.rootNode, name: "a", mode: 0o755, caller: rootCaller)
        try overlay.rename(parent: Overlay.rootNode, name: "deep", newParent: overlay.node("a"), newName: "c", flags: [])
        #expect(try overlay.names("a/c") == ["over"])
        #expect(try fixture.attribute("upper/a/c", "trusted.overlay.redirect") == "/shared")
        #expect(try fixture.overlay().names("a/c") == ["over"])
        #expect(try fixture.overlay().read("a/c/over") == "x")
    }

    @Test func renameUpperDirectoryIntoMergedNameIsOpaque() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/target/old", "")
        let overlay = try fixture.overlay()
        try overlay.removeFile(parent: overlay.node("target"), name: "old")
        try overlay.removeDirectory(parent: Overlay.rootNode, name: "target")
        _ = try overlay.makeDirectory(parent: Overlay.rootNode, name: "fresh", mode: 0o755, caller: rootCaller)
        try overlay.rename(parent: Overlay.rootNode, name: "fresh", newParent: Overlay.rootNode, newName: "target", flags: [])
        #expect(try overlay.names("target").isEmpty)
        #expect(try fixture.overlay().names("target").isEmpty)
    }

    @Test func renameOverDirectoryNeedsMergedEmpty() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/full/x", "")
        try fixture.directory("l0/empty")
        try fixture.directory("l0/source")
        let overlay = try fixture.overlay()
        #expect(overlay.errno {
            try overlay.rename(parent: Overlay.rootNode, name: "source", newParent: Overlay.rootNode, newName: "full", flags: [])
        } == ENOTEMPTY)
        try overlay.rename(parent: Overlay.rootNode, name: "source", newParent: Overlay.rootNode, newName: "empty", flags: [])
        #expect(try overlay.names("") == ["empty", "full"])
    }

    @Test func noReplaceAndExchange() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/a", "A")
        try fixture.file("l0/b", "B")
        let overlay = try fixture.overlay()
        #expect(overlay.errno {
            try overlay.rename(parent: Overlay.rootNode, name: "a", newParent: Overlay.rootNode, newName: "b", flags: .noReplace)
        } == EEXIST)
        try overlay.rename(parent: Overlay.rootNode, name: "a", newParent: Overlay.rootNode, newName: "b", flags: .exchange)
        #expect(try overlay.read("a") == "B")
        #expect(try overlay.read("b") == "A")
        #expect(try fixture.overlay().read("a") == "B")
        #expect(try fixture.contents("l0/a") == "A")
        #expect(overlay.errno {
            try overlay.rename(parent: Overlay.rootNode, name: "a", newParent: Overlay.rootNode, newName: "zz", flags: .exchange)
        } == ENOENT)
        try overlay.rename(parent: Overlay.rootNode, name: "a", newParent: Overlay.rootNode, newName: "b", flags: [])
        #expect(try overlay.names("") == ["b"])
        #expect(try overlay.read("b") == "B")
        #expect(try fixture.overlay().names("") == ["b"])
    }

    @Test func renameOntoWhiteoutName() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/gone", "old")
        try fixture.directory("l0/dir")
        let overlay = try fixture.overlay()
        try overlay.removeFile(parent: Overlay.rootNode, name: "gone")
        try overlay.rename(parent: Overlay.rootNode, name: "dir", newParent: Overlay.rootNode, newName: "gone", flags: [])
        #expect(try overlay.names("") == ["gone"])
        #expect(try overlay.entry("gone").attributes.st_mode & S_IFMT == S_IFDIR)
        #expect(try fixture.overlay().names("") == ["gone"])
    }
}
