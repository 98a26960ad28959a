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
}
