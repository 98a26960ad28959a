import LaminaSystem
import Testing
@testable import LaminaLayerIndex

#if canImport(Glibc)
import Glibc
#endif

@Suite struct LayerIndexBuilderTests {
    /// A layer with every kind of entry and marker, built through the builder API.
    static func sampleBuilder() throws -> LayerIndexBuilder {
        var builder = LayerIndexBuilder()
        try builder.add([], metadata: directory(0o700))
        try builder.add(components("etc"), metadata: directory())
        try builder.add(
            components("etc/hosts"), metadata: file(size: 10),
            extendedAttributes: [
                LayerExtendedAttribute(name: "user.note", value: Array("hi".utf8)),
                LayerExtendedAttribute(name: "trusted.overlay.origin", value: [1, 2]),
                LayerExtendedAttribute(name: "security.capability", value: [0, 1, 2]),
            ],
            content: .inDirectory)
        try builder.addHardLink(components("etc/hosts.link"), to: components("etc/hosts"))
        try builder.addHardLink(components("bin/hosts.again"), to: components("etc/hosts"))
        try builder.add(components("etc/link"), metadata: LayerFileMetadata(kind: .symbolicLink, permissions: 0o777), linkTarget: Array("../x\u{1}y".utf8))
        try builder.add(components("dev/null"), metadata: LayerFileMetadata(kind: .characterDevice, permissions: 0o666, deviceMajor: 1, deviceMinor: 3))
        try builder.add(components("dev/sda"), metadata: LayerFileMetadata(kind: .blockDevice, permissions: 0o660, deviceMajor: 8, deviceMinor: 0))
        try builder.add(components("dev/fifo"), metadata: LayerFileMetadata(kind: .fifo, permissions: 0o600))
        try builder.add(components("dev/sock"), metadata: LayerFileMetadata(kind: .socket, permissions: 0o600))
        try builder.add(components("dev/gone"), metadata: LayerFileMetadata(kind: .characterDevice, permissions: 0, deviceMajor: 0, deviceMinor: 0))
        try builder.add(components("etc/.wh.passwd"), metadata: file())
        try builder.add(components("opaque/.wh..wh..opq"), metadata: file())
        try builder.add(components("opaque/kept"), metadata: file(size: 3), content: .inDirectory)
        try builder.add(components("xattr-opaque"), metadata: directory(), extendedAttributes: [
            LayerExtendedAttribute(name: "user.overlay.opaque", value: Array("y".utf8)),
        ])
        try builder.add(components("both"), metadata: file(), content: .inDirectory)
        try builder.add(components(".wh.both"), metadata: file())
        try builder.add(components("implicit/deep/file"), metadata: file(0o600, size: 1, uid: 1000), content: .inDirectory)
        try builder.add(components("implicit"), metadata: directory(0o711))
        return builder
    }

    @Test func roundTripsEveryKindAndMarker() throws {
        let index = try LayerIndex(bytes: Self.sampleBuilder().serialized())
        #expect(index.metadata(of: index.file(of: .root)).permissions == 0o700)
        #expect(index.metadata(of: index.file(of: .root)).kind == .directory)

        let hosts = try #require(resolve(index, "etc/hosts"))
        #expect(hosts.kind == .regular)
        let hostsFile = try #require(hosts.file)
        let metadata = index.metadata(of: hostsFile)
        #expect(metadata == LayerFileMetadata(
            kind: .regular, permissions: 0o644, size: 10, modificationSeconds: 1_700_000_000, modificationNanoseconds: 123, linkCount: 3))
        #expect(index.content(of: hostsFile) == .inDirectory)
        #expect(index.extendedAttributes(of: hostsFile).map(\.nameText) == ["user.note", "security.capability"])
        #expect(index.extendedAttribute(Array("security.capability".utf8), of: hostsFile) == [0, 1, 2])
        #expect(index.extendedAttribute(Array("trusted.overlay.origin".utf8), of: hostsFile) == nil)

        // Every name of the hard link is the same file.
        #expect(resolve(index, "etc/hosts.link")?.file == hostsFile)
        #expect(resolve(index, "bin/hosts.again")?.file == hostsFile)

        let link = try #require(resolve(index, "etc/link")?.file)
        #expect(index.linkTarget(of: link) == Array("../x\u{1}y".utf8))
        #expect(index.metadata(of: link).size == 6)

        let null = try #require(resolve(index, "dev/null")?.file)
        #expect(index.metadata(of: null).mode == S_IFCHR | 0o666)
        #expect(index.metadata(of: null).deviceMajor == 1 && index.metadata(of: null).deviceMinor == 3)
        #expect(resolve(index, "dev/sda")?.kind == .blockDevice)
        #expect(resolve(index, "dev/fifo")?.kind == .fifo)
        #expect(resolve(index, "dev/sock")?.kind == .socket)

        // Whiteouts in both forms, opaque directories in both forms; markers themselves are not names.
        #expect(resolve(index, "dev/gone") == LayerIndexEntry(name: "gone", kind: .whiteout, file: nil))
        #expect(resolve(index, "etc/passwd")?.kind == .whiteout)
        #expect(resolve(index, "etc/.wh.passwd") == nil)
        #expect(resolve(index, "opaque/.wh..wh..opq") == nil)
        #expect(index.isOpaque(try #require(index.directory(at: components("opaque")))))
        #expect(index.isOpaque(try #require(index.directory(at: components("xattr-opaque")))))
        #expect(!index.isOpaque(try #require(index.directory(at: components("etc")))))
        #expect(index.extendedAttributes(of: index.file(of: try #require(index.directory(at: components("xattr-opaque"))))).isEmpty)
        // A real entry and its whiteout in one layer: the entry stays.
        #expect(resolve(index, "both")?.kind == .regular)

        // Implicit parents, then the explicit entry's metadata.
        let implicit = try #require(index.directory(at: components("implicit")))
        #expect(index.metadata(of: index.file(of: implicit)).permissions == 0o711)
        let deep = try #require(resolve(index, "implicit/deep/file")?.file)
        #expect(index.metadata(of: deep).uid == 1000)
        #expect(index.parent(of: try #require(index.directory(at: components("implicit/deep")))) == implicit)
    }

    @Test func listsEachDirectorySortedByNameBytes() throws {
        let index = try LayerIndex(bytes: Self.sampleBuilder().serialized())
        let names = index.entries(of: .root).map(\.name.description)
        #expect(names == ["bin", "both", "dev", "etc", "implicit", "opaque", "xattr-opaque"])
        let dev = try #require(index.directory(at: components("dev")))
        #expect(index.entries(of: dev).map(\.name.description) == ["fifo", "gone", "null", "sda", "sock"])
        #expect(index.entries(of: dev).map(\.kind) == [.fifo, .whiteout, .characterDevice, .blockDevice, .socket])
    }

    @Test func fileIDsFollowListingOrderAndRootIsZero() throws {
        let index = try LayerIndex(bytes: Self.sampleBuilder().serialized())
        #expect(index.file(of: .root) == LayerFileID(rawValue: 0))
        let rootFiles = index.entries(of: .root).compactMap(\.file)
        #expect(rootFiles == rootFiles.sorted())
        #expect(rootFiles.first == LayerFileID(rawValue: 1))
        // Serialising twice gives the same bytes.
        #expect(try Self.sampleBuilder().serialized() == Self.sampleBuilder().serialized())
    }

    @Test(arguments: [
        "bytes \u{FF}\u{FE}", "caf\u{E9}", "cafe\u{301}", String(repeating: "n", count: 255), ".hidden", "a b",
    ])
    func namesAreBytes(_ text: String) throws {
        var builder = LayerIndexBuilder()
        let raw: [UInt8] = text.hasPrefix("bytes") ? [0x62, 0xFF, 0xFE] : Array(text.utf8)
        let name = try #require(FileName(bytes: raw))
        try builder.add([name], metadata: file(), content: .inDirectory)
        // NFC and NFD spellings are different names.
        try builder.add(components("caf\u{E9}x"), metadata: file(), content: .inDirectory)
        let index = try LayerIndex(bytes: builder.serialized())
        #expect(index.lookup(name, in: .root)?.name == name)
        #expect(index.lookup(name, in: .root)?.name.bytes == raw)
        #expect(index.lookup(try #require(FileName(bytes: Array("cafe\u{301}x".utf8))), in: .root) == nil)
    }

    @Test func largeDirectoryFindsEveryNameAndMissesOthers() throws {
        var builder = LayerIndexBuilder()
        for number in 0..<5000 { try builder.add(components("big/f\(number)"), metadata: file(), content: .inDirectory) }
        let index = try LayerIndex(bytes: builder.serialized())
        let big = try #require(index.directory(at: components("big")))
        #expect(index.entries(of: big).count == 5000)
        for number in 0..<5000 {
            #expect(index.lookup(try #require(FileName("f\(number)")), in: big)?.kind == .regular)
        }
        for number in 5000..<6000 {
            #expect(index.lookup(try #require(FileName("f\(number)")), in: big) == nil)
        }
        #expect(index.lookup("f1", in: .root) == nil)
    }

    @Test func chunksRoundTrip() throws {
        var builder = LayerIndexBuilder()
        let digest = [UInt8](repeating: 7, count: 32)
        let chunks = [
            LayerChunk(compressedOffset: 100, compressedLength: 50, fileOffset: 0, length: 4096, compression: .zstd, digest: [UInt8](repeating: 1, count: 32)),
            LayerChunk(compressedOffset: 150, compressedLength: 20, fileOffset: 4096, length: 904, innerOffset: 12, compression: .gzip, digest: nil),
        ]
        try builder.add(components("lazy"), metadata: file(size: 5000), content: .chunks(chunks, digest: digest))
        try builder.add(components("empty"), metadata: file(size: 0))
        let index = try LayerIndex(bytes: builder.serialized())
        #expect(index.isLazy)
        #expect(index.content(of: try #require(resolve(index, "lazy")?.file)) == .chunks(chunks, digest: digest))
        #expect(index.content(of: try #require(resolve(index, "empty")?.file)) == LayerFileContent.none)
    }

    enum Misuse: String, CaseIterable {
        case duplicateFile, fileOverDirectory, pathThroughFile, hardLinkToMissing, hardLinkToDirectory, chunksShort, chunkGap, rootNotDirectory
    }

    @Test(arguments: Misuse.allCases)
    func refusesEntriesThatCannotBeALayer(_ misuse: Misuse) throws {
        var builder = LayerIndexBuilder()
        try builder.add(components("d/f"), metadata: file(), content: .inDirectory)
        let chunk = LayerChunk(compressedOffset: 0, compressedLength: 1, fileOffset: 0, length: 5, compression: .zstd, digest: nil)
        #expect(throws: LayerIndexError.self) {
            switch misuse {
            case .duplicateFile: try builder.add(components("d/f"), metadata: file())
            case .fileOverDirectory: try builder.add(components("d"), metadata: file())
            case .pathThroughFile: try builder.add(components("d/f/g"), metadata: file())
            case .hardLinkToMissing: try builder.addHardLink(components("d/h"), to: components("d/nothing"))
            case .hardLinkToDirectory: try builder.addHardLink(components("d/h"), to: components("d"))
            case .chunksShort: try builder.add(components("d/c"), metadata: file(size: 10), content: .chunks([chunk], digest: nil))
            case .chunkGap:
                var second = chunk
                second.fileOffset = 6
                try builder.add(components("d/c"), metadata: file(size: 10), content: .chunks([chunk, second], digest: nil))
            case .rootNotDirectory: try builder.add([], metadata: file())
            }
        }
    }
}
