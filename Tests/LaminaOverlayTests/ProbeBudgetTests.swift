import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

/// A directory without an index is probed for a name only while probing costs less than reading
/// it whole: small directories are indexed at their first lookup (at any depth), large ones answer
/// their first lookups by probing, then are indexed; the answers are the same either way.
struct ProbeBudgetTests {
    private func isIndexed(_ overlay: Overlay, _ directory: NodeID) throws -> Bool {
        let box = try overlay.directoryBox(try overlay.directoryNode(directory))
        return box.state.withLock { $0.index != nil }
    }

    @Test(arguments: [1, 10])
    func smallDirectoriesAreIndexedAtOnce(lowers: Int) throws {
        let fixture = try LayerFixture(lowers: lowers)
        for layer in 0..<lowers { try fixture.file("l\(layer)/small/f\(layer)") }
        let overlay = try fixture.overlay()
        let small = try overlay.lookup(parent: Overlay.rootNode, name: "small").node
        #expect(throws: SystemError.self) { try overlay.lookup(parent: small, name: "missing") }
        #expect(try isIndexed(overlay, small))
        #expect(try overlay.lookup(parent: small, name: "f\(lowers - 1)").attributes.st_size == 0)
    }

    @Test func largeDirectoriesAreProbedFirst() throws {
        let fixture = try LayerFixture(lowers: 1)
        let names = (0..<3_000).map { "entry-with-a-longer-name-\($0)" }
        try fixture.emptyFiles(in: "l0/big", names)
        let overlay = try fixture.overlay()
        let big = try overlay.lookup(parent: Overlay.rootNode, name: "big").node
        _ = try overlay.lookup(parent: big, name: names[1_234])
        #expect(throws: SystemError.self) { try overlay.lookup(parent: big, name: "missing") }
        #expect(try !isIndexed(overlay, big), "two lookups read a 3,000-entry directory whole")
        var lookups = 2
        while try !isIndexed(overlay, big) && lookups < 1_000 {
            _ = try overlay.lookup(parent: big, name: names[lookups])
            lookups += 1
        }
        #expect(lookups < 1_000, "the directory was never indexed")
        #expect(try overlay.lookup(parent: big, name: names[2_999]).attributes.st_size == 0)
        #expect(throws: SystemError.self) { try overlay.lookup(parent: big, name: "missing") }
    }

    /// The budget counts copies without looking for OCI opaque entries; the probes still honour
    /// them: a large directory opaque by `.wh..wh..opq` in a middle layer hides the bottom one
    /// whether a name is probed or read from the index.
    @Test func probesStopAtAnOpaqueEntry() throws {
        let fixture = try LayerFixture(lowers: 3)
        let names = (0..<3_000).map { "entry-with-a-longer-name-\($0)" }
        try fixture.emptyFiles(in: "l2/big", names + ["hidden"])
        try fixture.emptyFiles(in: "l1/big", names + [".wh..wh..opq"])
        try fixture.emptyFiles(in: "l0/big", ["top"])
        let overlay = try fixture.overlay()
        let big = try overlay.lookup(parent: Overlay.rootNode, name: "big").node
        #expect(throws: SystemError.self) { try overlay.lookup(parent: big, name: "hidden") }
        #expect(throws: SystemError.self) { try overlay.lookup(parent: big, name: ".wh..wh..opq") }
        #expect(try !isIndexed(overlay, big), "the first lookups should have probed")
        _ = try overlay.lookup(parent: big, name: "top")
        _ = try overlay.lookup(parent: big, name: names[7])
        let listed = try overlay.names("big")
        #expect(listed.count == names.count + 1)
        #expect(!listed.contains("hidden") && !listed.contains(".wh..wh..opq"))
        #expect(throws: SystemError.self) { try overlay.lookup(parent: big, name: "hidden") }
    }

    /// An OCI opaque entry in the bottom layer hides nothing (nothing lies below), as in kernel
    /// overlayfs; it is never shown, and a second read of the directory (after a change) agrees
    /// with the first, which read the layer's own handle.
    @Test func opaqueEntryInTheBottomLayerHidesNothing() throws {
        let fixture = try LayerFixture(lowers: 2)
        try fixture.emptyFiles(in: "l1/d", ["bottom", ".wh..wh..opq"])
        try fixture.emptyFiles(in: "l0/d", ["top"])
        let overlay = try fixture.overlay()
        #expect(try overlay.names("d") == ["bottom", "top"])
        let directory = try overlay.node("d")
        _ = try overlay.create(parent: directory, name: "new", mode: 0o644, flags: O_WRONLY, caller: rootCaller)
        #expect(try fixture.overlay().names("d") == ["bottom", "new", "top"])
        #expect(try overlay.names("d") == ["bottom", "new", "top"])
    }
}
