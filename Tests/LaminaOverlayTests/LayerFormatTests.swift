import Foundation
import Glibc
import LaminaOverlay
import LaminaSystem
import Testing

/// The overlay format as the image store and the runtime use it (plain `import`: only the public
/// face): one reader of a layer directory, byte-exact names, every whiteout and opaque form.
struct LayerFormatTests {
    static let nfc = FileName(bytes: Array("caf\u{E9}".utf8))!  // c a f 0xC3 0xA9
    static let nfd = FileName(bytes: Array("cafe".utf8) + [0xCC, 0x81])!  // c a f e U+0301
    static let latin1 = FileName(bytes: Array("caf".utf8) + [0xE9])!
    static let binary = FileName(bytes: [0xFF, 0xFE])!
    static let longest = FileName(bytes: [UInt8](repeating: UInt8(ascii: "n"), count: 255))!

    /// A fresh directory holding `names` as empty files.
    private static func directory(holding names: [FileName], in fixture: LayerFixture) throws -> FileDescriptor {
        try fixture.directory("l0/d")
        let directory = try fixture.root.open("l0/d", flags: O_RDONLY | O_DIRECTORY)
        for name in names { try directory.open(name, flags: O_WRONLY | O_CREAT, mode: 0o644).close() }
        return directory
    }

    @Test func listingKeepsEveryNameByBytesAndSortsOutMarkers() throws {
        let fixture = try LayerFixture()
        let directory = try Self.directory(
            holding: [Self.nfc, Self.nfd, Self.latin1, Self.binary, Self.longest, Whiteout.markerName(for: Self.nfd)!,
                      Whiteout.opaqueEntry],
            in: fixture)
        defer { directory.close() }
        try Whiteout.createDevice(in: directory, for: "gone")

        let listing = try LayerListing.read(directory)
        #expect(Set(listing.records.map(\.name)) == [Self.nfc, Self.nfd, Self.latin1, Self.binary, Self.longest])
        #expect(Set(listing.records.map { $0.name.bytes }).count == 5, "NFC and NFD stay two names")
        #expect(Set(listing.whiteouts) == [Self.nfd, "gone"], "the .wh. file hides its own spelling only")
        #expect(listing.markers.opaque)
        #expect(listing.markers.redirect == nil)
    }

    @Test func markersAreReadFromAttributesInEveryNamespace() throws {
        let fixture = try LayerFixture()
        let directory = try Self.directory(holding: [], in: fixture)
        defer { directory.close() }
        #expect(try !LayerListing.read(directory).markers.opaque)
        try directory.setExtendedAttribute("user.fuseoverlayfs.opaque", value: Array("y".utf8))
        try directory.setExtendedAttribute("user.overlay.redirect", value: [UInt8]("/a/".utf8) + Self.binary.bytes)
        let markers = try DirectoryMarkers.read(directory)
        #expect(markers.opaque)
        #expect(markers.redirect == .absolute(["a", Self.binary]))
        #expect(Redirect.sibling(Self.nfd).components(parent: ["p"]) == ["p", Self.nfd])
        #expect(Redirect(value: Array("../x".utf8)) == nil)
    }

    @Test(arguments: [
        ("trusted.overlay.opaque", true), ("user.overlay.redirect", true), ("user.fuseoverlayfs.whiteout", true),
        ("user.mime_type", false), ("trusted.overlayx", false), ("security.capability", false),
    ])
    func privateAttributes(name: String, isPrivate: Bool) {
        #expect(OverlayAttribute.isPrivate(name) == isPrivate)
    }

    /// A tar can hold `.wh.NAME` past 255 bytes (NAME of 252-255 bytes); the whiteout still names NAME.
    @Test func memberNamesOfWhiteoutsMayPass255Bytes() {
        let prefix = Whiteout.prefix.bytes
        #expect(Whiteout.hiddenName(ofMemberName: prefix + Self.longest.bytes) == Self.longest)
        #expect(Whiteout.hiddenName(ofMemberName: prefix + Self.nfd.bytes) == Self.nfd)
        #expect(Whiteout.hiddenName(ofMemberName: prefix + Self.nfd.bytes) != Self.nfc)
        #expect(Whiteout.hiddenName(ofMemberName: Whiteout.opaqueEntry.bytes) == nil)
        #expect(Whiteout.hiddenName(ofMemberName: prefix + [UInt8](repeating: 0x61, count: 256)) == nil)
        #expect(Whiteout.hiddenName(ofMemberName: Array("x.wh.y".utf8)) == nil)
        #expect(Whiteout.markerName(for: Self.longest) == nil, "only a device whiteout can hide a 255-byte name on disk")
    }
}
