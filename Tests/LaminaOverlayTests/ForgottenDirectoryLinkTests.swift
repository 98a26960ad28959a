import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

/// A file with names in two directories, where the kernel forgets the directory of the second
/// name (its dentry for that name was evicted while the file stayed cached through the first)
/// and looks the directory up again: unlink and rename through that lookup must act on the name
/// the file node records, so the file's remaining name still resolves.
@Suite struct ForgottenDirectoryLinkTests {
    /// `a/f` made through the overlay and linked as `b/g`; the kernel then forgets `b` and every
    /// name under it, and looks `b` up again. Returns the overlay, f's node and b's node now.
    private func linkThenForget(_ fixture: LayerFixture) throws -> (Overlay, NodeID, NodeID) {
        try fixture.directory("l0/a")
        try fixture.directory("l0/b")
        let overlay = try fixture.overlay()
        let a = try overlay.node("a")
        let (f, file) = try overlay.create(parent: a, name: "f", mode: S_IFREG | 0o644, flags: O_WRONLY, caller: rootCaller)
        try FileDescriptor(rawValue: overlay.descriptor(for: file.handle)).write(Array("data".utf8), at: 0)
        overlay.release(file.handle)
        let b = try overlay.node("b")
        let g = try overlay.link(f.node, newParent: b, newName: "g")
        #expect(g.node == f.node)
        overlay.forget(f.node, lookups: 1)  // the dentry b/g goes; a/f keeps the file cached
        overlay.forget(b, lookups: 1)
        return (overlay, f.node, try overlay.node("b"))
    }

    @Test func renameThroughTheNewLookupThenUnlinkTheOtherName() throws {
        let fixture = try LayerFixture()
        let (overlay, file, b) = try linkThenForget(fixture)
        #expect(try overlay.lookup(parent: b, name: "g").node == file)
        try overlay.rename(parent: b, name: "g", newParent: b, newName: "h", flags: [])
        try overlay.removeFile(parent: overlay.node("a"), name: "f")
        #expect(try overlay.names("a") == [])
        #expect(try overlay.names("b") == ["h"])
        let status = try overlay.attributes(of: file)  // the kernel's node for b/h
        #expect(status.st_nlink == 1)
        #expect(status.st_size == 4)
        try overlay.write("b/h", "changed")
        #expect(try fixture.contents("upper/b/h") == "changed")
        #expect(try fixture.status("upper/b/g") == nil)
        #expect(try fixture.status("upper/a/f") == nil)
    }

    @Test func renameTheDirectoryThenUnlinkTheOtherName() throws {
        let fixture = try LayerFixture()
        let (overlay, file, _) = try linkThenForget(fixture)
        try overlay.rename(parent: Overlay.rootNode, name: "b", newParent: Overlay.rootNode, newName: "c", flags: [])
        try overlay.removeFile(parent: overlay.node("a"), name: "f")
        #expect(try overlay.lookup(parent: overlay.node("c"), name: "g").node == file)
        let status = try overlay.attributes(of: file)
        #expect(status.st_nlink == 1)
        #expect(try overlay.read("c/g") == "data")
        #expect(try fixture.contents("upper/c/g") == "data")
    }

    @Test func unlinkThroughTheNewLookupLeavesNoStaleName() throws {
        let fixture = try LayerFixture()
        let (overlay, file, b) = try linkThenForget(fixture)
        let open = try overlay.open(file, flags: O_RDONLY)
        defer { overlay.release(open.handle) }
        try overlay.removeFile(parent: b, name: "g")
        // A new file now holds the name b/g.
        let (_, made) = try overlay.create(parent: b, name: "g", mode: S_IFREG | 0o644, flags: O_WRONLY, caller: rootCaller)
        try FileDescriptor(rawValue: overlay.descriptor(for: made.handle)).write(Array("a longer file".utf8), at: 0)
        overlay.release(made.handle)
        try overlay.removeFile(parent: overlay.node("a"), name: "f")
        // The open, fully unlinked file reports itself, not the new b/g.
        let status = try overlay.attributes(of: file)
        #expect(status.st_nlink == 0)
        #expect(status.st_size == 4)
        #expect(try overlay.names("a") == [])
        #expect(try overlay.names("b") == ["g"])
        #expect(try fixture.contents("upper/b/g") == "a longer file")
        #expect(try fixture.status("upper/a/f") == nil)
    }

    @Test func everyNodeGoesOnceTheKernelForgetsEverything() throws {
        let fixture = try LayerFixture()
        try fixture.directory("l0/a")
        try fixture.directory("l0/b")
        try fixture.directory("l0/c")
        let overlay = try fixture.overlay()
        let (a, b, c) = (try overlay.node("a"), try overlay.node("b"), try overlay.node("c"))
        let (f, file) = try overlay.create(parent: a, name: "f", mode: S_IFREG | 0o644, flags: O_WRONLY, caller: rootCaller)
        overlay.release(file.handle)
        _ = try overlay.link(f.node, newParent: b, newName: "g")
        _ = try overlay.link(f.node, newParent: b, newName: "h")
        try overlay.rename(parent: b, name: "g", newParent: c, newName: "g", flags: [])
        try overlay.removeFile(parent: a, name: "f")
        overlay.forget(b, lookups: 1)
        overlay.forget(a, lookups: 1)
        // The file still has names in b and c: both directories stay, a goes.
        #expect(overlay.nodes.count == 4)
        #expect(try overlay.node("b") == b)
        overlay.forget(b, lookups: 1)
        overlay.forget(c, lookups: 1)
        overlay.forget(f.node, lookups: 3)
        #expect(overlay.nodes.count == 1)
        #expect(try overlay.read("b/h") == "")
        #expect(try overlay.names("c") == ["g"])
    }
}
