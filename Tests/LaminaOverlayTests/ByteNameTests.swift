import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

/// Names are bytes through the engine: whatever the kernel accepts round-trips, spellings that a
/// Swift String conflates stay apart, and depth is no limit.
struct ByteNameTests {
    static let latin1 = FileName(bytes: [0x63, 0x61, 0x66, 0xE9])!
    static let nfc: FileName = "caf\u{E9}"
    static let nfd: FileName = "cafe\u{301}"
    static let invalid = FileName(bytes: [0xFF, 0xFE])!
    static let longest = FileName(bytes: Array(repeating: UInt8(ascii: "n"), count: 255))!

    /// Writes `contents` at (directory under the fixture root, byte name).
    private func write(_ fixture: LayerFixture, _ directory: String, _ name: FileName, _ contents: String) throws {
        try fixture.directory(directory)
        let parent = try fixture.root.open(directory, flags: O_RDONLY | O_DIRECTORY)
        defer { parent.close() }
        let file = try parent.open(name, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        defer { file.close() }
        try file.write(Array(contents.utf8), at: 0)
    }

    private func read(_ overlay: Overlay, _ parent: NodeID, _ name: FileName) throws -> String {
        let entry = try overlay.lookup(parent: parent, name: name)
        return try overlay.withDescriptor(handle: 0, node: entry.node, writing: false) { descriptor in
            String(decoding: try FileDescriptor(rawValue: descriptor).read(count: 64, at: 0), as: UTF8.self)
        }
    }

    @Test func lowerNamesListAndOpenExactly() throws {
        let fixture = try LayerFixture()
        let names = [Self.latin1, Self.nfc, Self.nfd, Self.invalid, Self.longest]
        for (index, name) in names.enumerated() { try write(fixture, "l0/d", name, "\(index)") }
        let overlay = try fixture.overlay()
        let d = try overlay.node("d")
        let listed = try overlay.listing("d").map(\.name).filter { !$0.isDotOrDotDot }
        #expect(Set(listed) == Set(names))
        for (index, name) in names.enumerated() { #expect(try read(overlay, d, name) == "\(index)") }
    }

    @Test func whiteoutOfOneSpellingHidesOnlyIt() throws {
        let fixture = try LayerFixture(lowers: 2)
        try write(fixture, "l1/d", Self.nfc, "nfc")
        try write(fixture, "l1/d", Self.nfd, "nfd")
        try write(fixture, "l0/d", FileName(bytes: Array(".wh.".utf8) + Self.nfd.bytes)!, "")
        let overlay = try fixture.overlay()
        #expect(try overlay.listing("d").map(\.name).filter { !$0.isDotOrDotDot } == [Self.nfc])
        // And through the engine: removing the NFC spelling leaves the NFD one whited out still.
        let d = try overlay.node("d")
        try overlay.removeFile(parent: d, name: Self.nfc)
        #expect(try overlay.listing("d").count == 2)
        #expect(overlay.errno { _ = try overlay.lookup(parent: d, name: Self.nfd) } == ENOENT)
    }

    @Test func longestNamesAreMadeRenamedAndRemoved() throws {
        let fixture = try LayerFixture()
        try write(fixture, "l0", Self.longest, "lower")
        let overlay = try fixture.overlay()
        let root = Overlay.rootNode
        let other = FileName(bytes: Array(repeating: UInt8(ascii: "o"), count: 255))!
        let (_, file) = try overlay.create(parent: root, name: other, mode: 0o644, flags: O_WRONLY, caller: rootCaller)
        overlay.release(file.handle)
        try overlay.rename(parent: root, name: Self.longest, newParent: root, newName: FileName(bytes: Array(repeating: UInt8(ascii: "r"), count: 255))!, flags: [])
        try overlay.removeFile(parent: root, name: other)
        #expect(overlay.errno { _ = try overlay.lookup(parent: root, name: Self.longest) } == ENOENT)
        #expect(try overlay.names("") == [String(repeating: "r", count: 255)])
        // The old lower name is hidden by a whiteout: a device, as `.wh.` + 255 bytes is no name.
        #expect(Whiteout.isDevice(try #require(try fixture.root.statusIfPresent(of: "upper/" + String(repeating: "n", count: 255)))))
    }

    @Test func depthIsNoLimit() throws {
        let fixture = try LayerFixture()
        let overlay = try fixture.overlay(descriptorCeiling: 16)
        let component = FileName(bytes: Array(repeating: UInt8(ascii: "d"), count: 200))!
        var parent = Overlay.rootNode
        for _ in 0..<40 {  // 8,000 bytes of path: twice PATH_MAX
            parent = try overlay.makeDirectory(parent: parent, name: component, mode: 0o755, caller: rootCaller).node
        }
        let (entry, file) = try overlay.create(parent: parent, name: "leaf", mode: 0o644, flags: O_WRONLY, caller: rootCaller)
        overlay.release(file.handle)
        try overlay.rename(parent: parent, name: "leaf", newParent: parent, newName: "moved", flags: [])
        #expect(try overlay.lookup(parent: parent, name: "moved").node == entry.node)
        #expect(overlay.stack.cache.openCount <= 17)
    }

    @Test func aSmallCeilingStillServesAWideTree() throws {
        let fixture = try LayerFixture(lowers: 3)
        for layer in 0..<3 {
            for directory in 0..<40 { try fixture.file("l\(layer)/d\(directory)/f\(layer)", "\(layer)") }
        }
        let overlay = try fixture.overlay(descriptorCeiling: 16)
        for directory in 0..<40 {
            #expect(try overlay.names("d\(directory)") == ["f0", "f1", "f2"])
            let node = try overlay.node("d\(directory)")
            let (_, file) = try overlay.create(parent: node, name: "new", mode: 0o644, flags: O_WRONLY, caller: rootCaller)
            overlay.release(file.handle)
            #expect(overlay.stack.cache.openCount <= 17)
        }
        for directory in 0..<40 { #expect(try overlay.names("d\(directory)") == ["f0", "f1", "f2", "new"]) }
    }
}
