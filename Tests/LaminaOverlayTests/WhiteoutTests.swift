import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

/// The formats a layer can use to delete a name below it.
enum WhiteoutFormat: String, CaseIterable, Sendable {
    case device, oci, trustedAttribute, userAttribute

    /// Writes a whiteout for `name` in directory `directory` of the fixture.
    func write(_ fixture: LayerFixture, directory: String, name: String) throws {
        switch self {
        case .device:
            try fixture.deviceWhiteout("\(directory)/\(name)")
        case .oci:
            try fixture.file("\(directory)/.wh.\(name)")
        case .trustedAttribute, .userAttribute:
            let prefix = self == .trustedAttribute ? "trusted.overlay." : "user.overlay."
            try fixture.file("\(directory)/\(name)")
            try fixture.xattr("\(directory)/\(name)", prefix + "whiteout", "")
            try fixture.xattr(directory, prefix + "opaque", "x")
        }
    }
}

/// The formats a layer can use to make a directory opaque.
enum OpaqueFormat: String, CaseIterable, Sendable {
    case trustedAttribute, userAttribute, ociEntry

    func mark(_ fixture: LayerFixture, directory: String) throws {
        switch self {
        case .trustedAttribute: try fixture.xattr(directory, "trusted.overlay.opaque", "y")
        case .userAttribute: try fixture.xattr(directory, "user.overlay.opaque", "y")
        case .ociEntry: try fixture.file("\(directory)/.wh..wh..opq")
        }
    }
}

@Suite struct WhiteoutTests {
    @Test(arguments: WhiteoutFormat.allCases)
    func whiteoutHidesLowerFileAndItself(format: WhiteoutFormat) throws {
        let fixture = try LayerFixture(lowers: 2)
        try fixture.file("l1/d/gone", "old")
        try fixture.file("l1/d/kept", "kept")
        try fixture.directory("l0/d")
        try format.write(fixture, directory: "l0/d", name: "gone")
        let overlay = try fixture.overlay()
        #expect(try overlay.names("d") == ["kept"])
        let parent = try overlay.node("d")
        #expect(overlay.errno { _ = try overlay.lookup(parent: parent, name: "gone") } == ENOENT)
        #expect(overlay.errno { _ = try overlay.lookup(parent: parent, name: ".wh.gone") } == ENOENT)
        #expect(try overlay.extendedAttributeNames(parent).allSatisfy { !$0.contains("overlay.") })
    }

    @Test(arguments: WhiteoutFormat.allCases)
    func whiteoutStopsDirectoryMerge(format: WhiteoutFormat) throws {
        let fixture = try LayerFixture(lowers: 3)
        try fixture.file("l2/d/deep", "")
        try fixture.directory("l1")
        try format.write(fixture, directory: "l1", name: "d")
        try fixture.file("l0/d/top", "")
        let overlay = try fixture.overlay()
        #expect(try overlay.names("d") == ["top"])
    }

    @Test(arguments: OpaqueFormat.allCases)
    func opaqueDirectoryHidesLowerContents(format: OpaqueFormat) throws {
        let fixture = try LayerFixture(lowers: 2)
        try fixture.file("l1/d/old", "")
        try fixture.file("l0/d/new", "")
        try format.mark(fixture, directory: "l0/d")
        let overlay = try fixture.overlay()
        #expect(try overlay.names("d") == ["new"])
        #expect(try overlay.extendedAttributeNames(overlay.node("d")).isEmpty)
        #expect(overlay.errno { _ = try overlay.extendedAttribute(overlay.node("d"), name: "trusted.overlay.opaque") } == ENODATA)
    }

    @Test func xattrWhiteoutNeedsMarkedDirectory() throws {
        // Without `opaque=x` on the directory an empty file with the xattr is an ordinary file.
        let fixture = try LayerFixture(lowers: 2)
        try fixture.file("l1/d/f", "lower")
        try fixture.file("l0/d/f")
        try fixture.xattr("l0/d/f", "trusted.overlay.whiteout", "")
        let overlay = try fixture.overlay()
        #expect(try overlay.names("d") == ["f"])
        #expect(try overlay.read("d/f") == "")
    }

    @Test func unlinkLowerFileLeavesDeviceWhiteout() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/d/f", "x")
        let overlay = try fixture.overlay()
        try overlay.removeFile(parent: overlay.node("d"), name: "f")
        let whiteout = try #require(try fixture.status("upper/d/f"))
        #expect(Whiteout.isDevice(whiteout))
        #expect(try overlay.names("d").isEmpty)
        #expect(try fixture.contents("l0/d/f") == "x")
        // A fresh mount of the same layers agrees.
        #expect(try fixture.overlay().names("d").isEmpty)
    }

    @Test func unlinkUpperOnlyFileLeavesNothing() throws {
        let fixture = try LayerFixture()
        try fixture.directory("l0/d")
        let overlay = try fixture.overlay()
        _ = try overlay.create(parent: overlay.node("d"), name: "new", mode: 0o644, flags: O_WRONLY, caller: rootCaller)
        try overlay.removeFile(parent: overlay.node("d"), name: "new")
        #expect(try fixture.status("upper/d/new") == nil)
    }

    @Test func unlinkCopiedUpFileReplacesItWithWhiteout() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/f", "lower")
        let overlay = try fixture.overlay()
        try overlay.write("f", "upper")
        try overlay.removeFile(parent: Overlay.rootNode, name: "f")
        #expect(try fixture.status("upper/f").map(Whiteout.isDevice) == true)
        #expect(try overlay.names("").isEmpty)
    }

    @Test func rmdirRequiresMergedEmptyAndMkdirMakesOpaque() throws {
        let fixture = try LayerFixture(lowers: 2)
        try fixture.file("l1/d/a", "")
        try fixture.file("l0/d/b", "")
        let overlay = try fixture.overlay()
        #expect(overlay.errno { try overlay.removeDirectory(parent: Overlay.rootNode, name: "d") } == ENOTEMPTY)
        try overlay.removeFile(parent: overlay.node("d"), name: "a")
        try overlay.removeFile(parent: overlay.node("d"), name: "b")
        try overlay.removeDirectory(parent: Overlay.rootNode, name: "d")
        #expect(try overlay.names("").isEmpty)
        #expect(try fixture.status("upper/d").map(Whiteout.isDevice) == true)
        _ = try overlay.makeDirectory(parent: Overlay.rootNode, name: "d", mode: 0o755, caller: rootCaller)
        #expect(try overlay.names("d").isEmpty)
        #expect(try fixture.attribute("upper/d", "trusted.overlay.opaque") == "y")
        #expect(try fixture.overlay().names("d").isEmpty)
    }

    @Test func markerNamespaceIsConfigurable() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/d/a", "")
        let overlay = try fixture.overlay(markerNamespace: "user.overlay.")
        try overlay.removeFile(parent: overlay.node("d"), name: "a")
        try overlay.removeDirectory(parent: Overlay.rootNode, name: "d")
        _ = try overlay.makeDirectory(parent: Overlay.rootNode, name: "d", mode: 0o755, caller: rootCaller)
        #expect(try fixture.attribute("upper/d", "user.overlay.opaque") == "y")
        #expect(try fixture.attribute("upper/d", "trusted.overlay.opaque") == nil)
    }

    @Test func rmdirOfUpperDirectoryHoldingOnlyWhiteouts() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/d/a", "")
        try fixture.file("l0/d/b", "")
        let overlay = try fixture.overlay()
        let directory = try overlay.node("d")
        try overlay.removeFile(parent: directory, name: "a")
        try overlay.removeFile(parent: directory, name: "b")
        try overlay.removeDirectory(parent: Overlay.rootNode, name: "d")
        #expect(try fixture.status("upper/d").map(Whiteout.isDevice) == true)
        #expect(try fixture.snapshot("l0").count == 4)
    }
}
