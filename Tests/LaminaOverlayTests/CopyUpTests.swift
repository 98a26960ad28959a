import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

@Suite struct CopyUpTests {
    /// A lower file with unusual metadata, and its snapshot.
    private func makeLowerFile(_ fixture: LayerFixture) throws -> [String] {
        try fixture.file("l0/dir/sub/file", "lower bytes", mode: 0o640)
        try fixture.root.setOwner(of: "l0/dir/sub/file", uid: 1234, gid: 5678)
        try fixture.root.setOwner(of: "l0/dir/sub", uid: 42, gid: 43)
        try fixture.root.setMode(0o711, of: "l0/dir/sub")
        try fixture.xattr("l0/dir/sub/file", "user.origin", "kept")
        try fixture.xattr("l0/dir/sub", "user.directory", "too")
        let then = timespec(tv_sec: 1_000_000_000, tv_nsec: 123_456_789)
        try fixture.root.setTimes(of: "l0/dir/sub/file", access: then, modification: then)
        try fixture.root.setTimes(of: "l0/dir/sub", access: then, modification: then)
        return try fixture.snapshot("l0")
    }

    @Test func chmodCopiesDataOwnerTimesAndXattrs() throws {
        let fixture = try LayerFixture()
        let before = try makeLowerFile(fixture)
        let overlay = try fixture.overlay()
        let node = try overlay.node("dir/sub/file")
        _ = try overlay.setAttributes(of: node, AttributeChanges(mode: 0o600), handle: nil)

        let copy = try #require(try fixture.status("upper/dir/sub/file"))
        let lower = try #require(try fixture.status("l0/dir/sub/file"))
        #expect(try fixture.contents("upper/dir/sub/file") == "lower bytes")
        #expect(copy.st_mode & 0o7777 == 0o600)
        #expect(copy.st_uid == 1234 && copy.st_gid == 5678)
        #expect(copy.st_mtim.tv_sec == lower.st_mtim.tv_sec && copy.st_mtim.tv_nsec == lower.st_mtim.tv_nsec)
        #expect(try fixture.attribute("upper/dir/sub/file", "user.origin") == "kept")
        // Parents come first, with their own metadata.
        let parent = try #require(try fixture.status("upper/dir/sub"))
        #expect(parent.st_uid == 42 && parent.st_mode & 0o7777 == 0o711)
        #expect(parent.st_mtim.tv_sec == 1_000_000_000)
        #expect(try fixture.attribute("upper/dir/sub", "user.directory") == "too")
        // The lower layer is byte-for-byte and stat-for-stat unchanged; nothing is left in work.
        #expect(try fixture.snapshot("l0") == before)
        #expect(try fixture.snapshot("work").count == 1)
        #expect(try overlay.attributes(of: node).st_mode & 0o7777 == 0o600)
    }

    @Test func writeSeesOldDataAndLeavesLowerAlone() throws {
        let fixture = try LayerFixture()
        let before = try makeLowerFile(fixture)
        let overlay = try fixture.overlay()
        let file = try overlay.open(overlay.node("dir/sub/file"), flags: O_RDWR)
        let descriptor = FileDescriptor(rawValue: try overlay.descriptor(for: file.handle))
        #expect(String(decoding: try descriptor.read(count: 100, at: 0), as: UTF8.self) == "lower bytes")
        try descriptor.write(Array("UPPER".utf8), at: 0)
        overlay.release(file.handle)
        #expect(try overlay.read("dir/sub/file") == "UPPER bytes")
        #expect(try fixture.snapshot("l0") == before)
    }

    @Test func truncatingOpenSkipsData() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/f", "0123456789")
        let overlay = try fixture.overlay()
        let file = try overlay.open(overlay.node("f"), flags: O_WRONLY | O_TRUNC)
        overlay.release(file.handle)
        #expect(try fixture.status("upper/f")?.st_size == 0)
        #expect(try overlay.read("f") == "")
        #expect(try fixture.contents("l0/f") == "0123456789")
    }

    @Test func truncateBySize() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/f", "0123456789")
        let overlay = try fixture.overlay()
        let status = try overlay.setAttributes(of: overlay.node("f"), AttributeChanges(size: 4), handle: nil)
        #expect(status.st_size == 4)
        #expect(try overlay.read("f") == "0123")
    }

    @Test func symlinkAndFifoCopyUp() throws {
        let fixture = try LayerFixture()
        try fixture.symlink("l0/link", to: "somewhere/else")
        try fixture.root.makeNode("l0/fifo", mode: S_IFIFO | 0o640, device: 0)
        let overlay = try fixture.overlay()
        _ = try overlay.setAttributes(of: overlay.node("link"), AttributeChanges(uid: 7, gid: 8), handle: nil)
        _ = try overlay.setAttributes(of: overlay.node("fifo"), AttributeChanges(mode: 0o600), handle: nil)
        #expect(try fixture.root.readSymbolicLink("upper/link") == Array("somewhere/else".utf8))
        #expect(try fixture.status("upper/link")?.st_uid == 7)
        #expect(try fixture.status("upper/fifo").map { $0.st_mode & S_IFMT } == S_IFIFO)
        #expect(try overlay.readLink(overlay.node("link")) == Array("somewhere/else".utf8))
    }

    @Test func readOnlyHandleFollowsCopyUp() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/f", "before")
        let overlay = try fixture.overlay()
        let node = try overlay.node("f")
        let reader = try overlay.open(node, flags: O_RDONLY)
        #expect(reader.keepCache)
        let writer = try overlay.open(node, flags: O_WRONLY | O_TRUNC)
        try FileDescriptor(rawValue: overlay.descriptor(for: writer.handle)).write(Array("after!".utf8), at: 0)
        let descriptor = FileDescriptor(rawValue: try overlay.descriptor(for: reader.handle))
        #expect(String(decoding: try descriptor.read(count: 100, at: 0), as: UTF8.self) == "after!")
        overlay.release(reader.handle)
        overlay.release(writer.handle)
        #expect(try fixture.contents("l0/f") == "before")
    }

    @Test func setAndRemoveXattrCopiesUp() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/f", "")
        try fixture.xattr("l0/f", "user.a", "1")
        let overlay = try fixture.overlay()
        let node = try overlay.node("f")
        #expect(try overlay.extendedAttributeNames(node) == ["user.a"])
        #expect(overlay.errno { try overlay.removeExtendedAttribute(node, name: "user.missing") } == ENODATA)
        #expect(try fixture.status("upper/f") == nil)
        try overlay.setExtendedAttribute(node, name: "user.b", value: Array("2".utf8), flags: 0)
        try overlay.removeExtendedAttribute(node, name: "user.a")
        #expect(try overlay.extendedAttributeNames(node) == ["user.b"])
        #expect(try overlay.extendedAttribute(node, name: "user.b") == Array("2".utf8))
        #expect(try fixture.attribute("l0/f", "user.a") == "1")
        #expect(overlay.errno {
            try overlay.setExtendedAttribute(node, name: "trusted.overlay.opaque", value: Array("y".utf8), flags: 0)
        } == EPERM)
    }
}
