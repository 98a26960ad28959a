import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

/// Open-unlink-read/write with files opened without handles (no-open mode): the engine keeps the
/// file while the kernel holds its node, and a lower file gets a private copy at its first write.
struct OrphanTests {
    private func write(_ overlay: Overlay, _ node: NodeID, _ text: String, at offset: off_t) throws {
        try overlay.withDescriptor(handle: 0, node: node, writing: true) {
            try FileDescriptor(rawValue: $0).write(Array(text.utf8), at: offset)
        }
    }

    private func read(_ overlay: Overlay, _ node: NodeID) throws -> String {
        try overlay.withDescriptor(handle: 0, node: node, writing: false) {
            String(decoding: try FileDescriptor(rawValue: $0).read(count: 100, at: 0), as: UTF8.self)
        }
    }

    @Test func lowerFileWrittenAfterUnlinkGetsAPrivateCopy() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/f", "lower data")
        let before = try fixture.snapshot("l0")
        let overlay = try fixture.overlay()
        let node = try overlay.node("f")
        try overlay.removeFile(parent: Overlay.rootNode, name: "f")
        #expect(try read(overlay, node) == "lower data")
        try write(overlay, node, "LOWER", at: 0)
        #expect(try read(overlay, node) == "LOWER data")
        _ = try overlay.setAttributes(of: node, AttributeChanges(size: 5), handle: nil)
        #expect(try read(overlay, node) == "LOWER")
        #expect(try overlay.attributes(of: node).st_nlink == 0)
        #expect(overlay.errno { _ = try overlay.entry("f") } == ENOENT)
        #expect(try fixture.snapshot("l0") == before)
        overlay.forget(node, lookups: 1)
        #expect(overlay.orphans.isEmpty)
        #expect(try fixture.snapshot("work").count == 2)  // the work dir and its shared whiteout
    }

    @Test func upperFileKeepsItsDataAfterUnlinkUntilForgotten() throws {
        let fixture = try LayerFixture()
        let overlay = try fixture.overlay()
        let (entry, _) = try overlay.create(parent: Overlay.rootNode, name: "u", mode: 0o644, flags: O_RDWR,
                                            caller: rootCaller, keepOpen: false)
        try write(overlay, entry.node, "upper", at: 0)
        try overlay.removeFile(parent: Overlay.rootNode, name: "u")
        try write(overlay, entry.node, "UP", at: 0)
        #expect(try read(overlay, entry.node) == "UPper")
        #expect(try fixture.status("upper/u") == nil)
        overlay.forget(entry.node, lookups: 1)
        #expect(overlay.orphans.isEmpty)
    }
}
