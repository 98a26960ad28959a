import Testing
@testable import LaminaLayerIndex

/// A damaged index is refused when it is opened, with a clear error, never a crash: torn files,
/// flipped bytes, and records changed on purpose with the checksum made to match again.
@Suite struct LayerIndexCorruptionTests {
    static let good: [UInt8] = (try? LayerIndexBuilderTests.sampleBuilder().serialized()) ?? []

    @Test func theSampleOpens() throws {
        _ = try LayerIndex(bytes: Self.good)
    }

    @Test(arguments: [0, 7, 8, 159, 160, 161, 400, -1])
    func truncatedFilesAreRefused(_ length: Int) {
        let bytes = Array(Self.good.prefix(length < 0 ? Self.good.count - 1 : length))
        #expect(throws: LayerIndexError.self) { try LayerIndex(bytes: bytes) }
    }

    @Test func aFileWithBytesAppendedIsRefused() {
        #expect(throws: LayerIndexError.self) { try LayerIndex(bytes: Self.good + [0, 0, 0, 0, 0, 0, 0, 0]) }
    }

    /// Flipping any one byte anywhere is caught (by the checksum, or by the header checks).
    @Test func everySingleByteFlipIsRefused() {
        var refused = 0
        let step = max(1, Self.good.count / 997)
        for offset in stride(from: 0, to: Self.good.count, by: step) {
            var bytes = Self.good
            bytes[offset] ^= 0x5A
            do {
                _ = try LayerIndex(bytes: bytes)
                Issue.record("a flip at byte \(offset) was accepted")
            } catch {
                refused += 1
            }
        }
        #expect(refused > 100)
    }

    enum Forgery: String, CaseIterable {
        case badMagic, newerVersion, sectionPastEnd, sectionOverlapsHeader, entryNamePastHeap, entryFileOutOfRange,
            directoryEntriesPastTable, slotPointsPastEntries, fileKindUnknown, symlinkTargetPastHeap, xattrPastHeap,
            directoryFileMismatch, fullNameTable, chunkOutOfOrder
    }

    /// Records changed on purpose and the checksum recomputed: every offset and count is still checked.
    @Test(arguments: Forgery.allCases)
    func forgedRecordsAreRefused(_ forgery: Forgery) throws {
        var bytes = try forgeryBase()
        let directories = sectionOffset(bytes, .directories), entries = sectionOffset(bytes, .entries)
        let files = sectionOffset(bytes, .files), xattrs = sectionOffset(bytes, .xattrs), chunks = sectionOffset(bytes, .chunks)
        let slots = sectionOffset(bytes, .slots)
        switch forgery {
        case .badMagic: bytes[0] = UInt8(ascii: "X")
        case .newerVersion: bytes[LayerIndexFormat.versionOffset] = 2
        case .sectionPastEnd: poke32(&bytes, LayerIndexFormat.sectionTableOffset + 8, 0x00FF_FFFF)
        case .sectionOverlapsHeader: poke32(&bytes, LayerIndexFormat.sectionTableOffset, 16)
        case .entryNamePastHeap: poke32(&bytes, entries, 0xFFFF_FF00)
        case .entryFileOutOfRange: poke32(&bytes, entries + 4, 0x0FFF_FFFF)
        case .directoryEntriesPastTable: poke32(&bytes, directories + 12, 0x7FFF_FFFF)
        case .slotPointsPastEntries:
            // The root's table: make every slot point past its entries.
            for slot in 0..<4 { poke32(&bytes, slots + 4 * slot, 1000) }
        case .fileKindUnknown: bytes[files + 64] = 99
        case .symlinkTargetPastHeap:
            let index = try LayerIndex(bytes: forgeryBase())
            let link = try #require(resolve(index, "d/link")?.file)
            poke32(&bytes, files + 64 * Int(link.rawValue) + 52, 0x7FFF_FFFF)
        case .xattrPastHeap: poke32(&bytes, xattrs + 8, 0x7FFF_FFFF)
        case .directoryFileMismatch: poke32(&bytes, directories, 2)
        case .fullNameTable:
            // Every slot of the root's table filled: a probe for a missing name would never end.
            for slot in 0..<4 { poke32(&bytes, slots + 4 * slot, 1) }
            poke32(&bytes, directories + 12, 4)
        case .chunkOutOfOrder: poke32(&bytes, chunks + 16, 1)
        }
        let forged = resealed(bytes)
        #expect(throws: LayerIndexError.self) { try LayerIndex(bytes: forged) }
    }

    /// A small index with one of everything the forgeries change, in known places.
    func forgeryBase() throws -> [UInt8] {
        var builder = LayerIndexBuilder()
        try builder.add(components("d/link"), metadata: LayerFileMetadata(kind: .symbolicLink, permissions: 0o777), linkTarget: [0x41])
        try builder.add(
            components("f"), metadata: file(size: 2),
            extendedAttributes: [LayerExtendedAttribute(name: "user.a", value: [1])],
            content: .chunks([LayerChunk(compressedOffset: 0, compressedLength: 9, fileOffset: 0, length: 2, compression: .zstd, digest: nil)], digest: nil))
        return builder.serialized()
    }

    @Test func aMissingFileIsASystemError() {
        #expect(throws: LayerIndexError.self) { try LayerIndex(path: "/nonexistent/lamina-index") }
    }
}
