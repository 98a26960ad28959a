import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

@Suite struct ReadOnlyTests {
    /// Every writing operation, applied to a read-only mount holding `d/f`.
    static let writes: [(String, @Sendable (Overlay) throws -> Void)] = [
        ("create", { o in _ = try o.create(parent: o.node("d"), name: "n", mode: 0o644, flags: O_WRONLY, caller: rootCaller) }),
        ("open for write", { o in _ = try o.open(o.node("d/f"), flags: O_WRONLY) }),
        ("open with O_TRUNC", { o in _ = try o.open(o.node("d/f"), flags: O_RDONLY | O_TRUNC) }),
        ("truncate", { o in _ = try o.setAttributes(of: o.node("d/f"), AttributeChanges(size: 0), handle: nil) }),
        ("chmod", { o in _ = try o.setAttributes(of: o.node("d/f"), AttributeChanges(mode: 0o600), handle: nil) }),
        ("chown", { o in _ = try o.setAttributes(of: o.node("d/f"), AttributeChanges(uid: 1), handle: nil) }),
        ("utimens", { o in _ = try o.setAttributes(of: o.node("d/f"), AttributeChanges(modificationTime: .now), handle: nil) }),
        ("mkdir", { o in _ = try o.makeDirectory(parent: o.node("d"), name: "n", mode: 0o755, caller: rootCaller) }),
        ("mknod", { o in _ = try o.makeNode(parent: o.node("d"), name: "n", mode: S_IFIFO | 0o644, device: 0, caller: rootCaller) }),
        ("symlink", { o in _ = try o.makeSymbolicLink(parent: o.node("d"), name: "n", target: [0x78], caller: rootCaller) }),
        ("link", { o in _ = try o.link(o.node("d/f"), newParent: o.node("d"), newName: "n") }),
        ("unlink", { o in try o.removeFile(parent: o.node("d"), name: "f") }),
        ("rmdir", { o in try o.removeDirectory(parent: Overlay.rootNode, name: "d") }),
        ("rename", { o in try o.rename(parent: o.node("d"), name: "f", newParent: o.node("d"), newName: "g", flags: []) }),
        ("setxattr", { o in try o.setExtendedAttribute(o.node("d/f"), name: "user.x", value: [1], flags: 0) }),
        ("removexattr", { o in try o.removeExtendedAttribute(o.node("d/f"), name: "user.x") }),
    ]

    @Test(arguments: writes.map(\.0))
    func everyWriteAnswersReadOnly(operation: String) throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/d/f", "data")
        try fixture.xattr("l0/d/f", "user.x", "1")
        let before = try fixture.snapshot("l0")
        let overlay = try fixture.overlay(writable: false)
        #expect(overlay.isReadOnly)
        let write = try #require(Self.writes.first { $0.0 == operation }?.1)
        #expect(overlay.errno { try write(overlay) } == EROFS)
        #expect(try fixture.snapshot("l0") == before)
    }

    @Test func readsWorkAndAreCacheable() throws {
        let fixture = try LayerFixture(lowers: 2)
        try fixture.file("l1/d/f", "data")
        let overlay = try fixture.overlay(writable: false)
        let entry = try overlay.entry("d/f")
        #expect(entry.immutable)
        #expect(try overlay.read("d/f") == "data")
        let directory = try overlay.openDirectory(overlay.node("d"))
        #expect(directory.cacheable)
        overlay.releaseDirectory(directory.handle)
        #expect(try overlay.statistics(of: Overlay.rootNode).f_bsize > 0)
    }
}
