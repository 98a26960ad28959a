import Foundation
import LaminaLayerIndex
import LaminaSystem
import Testing
@testable import LaminaImage
@testable import LaminaLazy

/// `lamina image convert` writes layers that read lazily exactly as their unpacked trees read,
/// and that stay plain gzip/zstd tars for tools that know neither format.
@Suite struct LazyConvertTests {
    @Test(arguments: ConversionFormat.allCases)
    func convertedLayersReadLazilyAsTheirTrees(_ format: ConversionFormat) throws {
        let temp = TemporaryDirectory()
        let layer = try lazyFixtureLayer(in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "kinds:1", layers: [layer])
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: image.layout)
        // Small chunks: the big file is cut in several frames.
        try store.convert("kinds:1", to: "kinds:lazy", format: format, chunkSize: 1 << 16)
        let details = try store.details(try store.resolve("kinds:lazy"))
        let converted = try #require(details.manifest.layers.first)
        #expect(converted.mediaType == (format == .estargz ? MediaType.ociLayerGzip : MediaType.ociLayerZstd))
        #expect(LazyFormat(converted)?.description == format.rawValue)
        let diffID = details.config.rootfs.diffIDs[0]

        // Tools that know neither format read a plain tar with the diff id the config names.
        let tool = format == .estargz ? "gzip" : "zstd"
        let stream = try run("/bin/sh", ["-c", "\(tool) -dc < '\(store.blobPath(converted.digest))' | sha256sum"])
        #expect(stream.hasPrefix(diffID.encoded))

        let log = CapturedLog()
        let lazy = try makeLazyLayer(
            store: store, descriptor: converted, diffID: diffID, reader: LocalBlobReader(path: store.blobPath(converted.digest)),
            logger: log.logger)
        let data = try #require(lazy.index.directory(at: ["data"]))
        let big = try #require(lazy.index.lookup("big", in: data)?.file)
        guard case .chunks(let chunks, _) = lazy.index.content(of: big) else { Issue.record("big has no chunks"); return }
        #expect(chunks.count == 5)
        let treeIndex = try LayerIndex(path: try store.layerIndex(for: diffID))
        try expectSameLayer(lazy, as: store.layerPath(diffID), treeIndex: treeIndex)
        #expect(log.errorLines.isEmpty)

        // Complete and verified: the whole blob is in the copy, its stream matches the diff id.
        #expect(try lazy.prefetch(store: store) == .complete)
        #expect(store.lazyLayerState(converted.digest) == .complete)
    }

    /// A chunk whose bytes do not match the TOC's digest is EIO with one error line, never other bytes.
    @Test func aCorruptChunkIsEIOAndOneErrorLine() throws {
        let temp = TemporaryDirectory()
        let layer = try lazyFixtureLayer(in: temp.sub("layers"))
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: try ImageFixture.make(at: temp.sub("layout"), name: "k:1", layers: [layer]).layout)
        try store.convert("k:1", to: "k:zstd", format: .zstdChunked)
        let details = try store.details(try store.resolve("k:zstd"))
        let converted = details.manifest.layers[0]
        // A copy of the blob with one byte of big's frame changed.
        let corrupt = temp.path + "/corrupt"
        try FileManager.default.copyItem(atPath: store.blobPath(converted.digest), toPath: corrupt)
        let log = CapturedLog()
        let lazy = try makeLazyLayer(
            store: store, descriptor: converted, diffID: details.config.rootfs.diffIDs[0], reader: LocalBlobReader(path: corrupt),
            logger: log.logger)
        let data = try #require(lazy.index.directory(at: ["data"]))
        let big = try #require(lazy.index.lookup("big", in: data)?.file)
        guard case .chunks(let chunks, _) = lazy.index.content(of: big) else { Issue.record("no chunks"); return }
        let file = try FileDescriptor.open(corrupt, flags: O_RDWR)
        let target = off_t(chunks[0].compressedOffset + chunks[0].compressedLength / 2)
        let byte = try file.read(count: 1, at: target)
        try file.write([byte[0] ^ 0xFF], at: target)
        file.close()
        #expect(throws: SystemError.self) { try lazy.contentDescriptor(of: big) }
        do {
            _ = try lazy.contentDescriptor(of: big)
        } catch {
            #expect(error.errno == EIO)
        }
        #expect(log.errorLines.count == 2)
        #expect(log.errorLines.first?.contains("big") == true)
        // Other files of the layer are still served.
        let small = try #require(lazy.index.lookup("small-3", in: data)?.file)
        let descriptor = try lazy.contentDescriptor(of: small)
        #expect(try descriptor.read(count: 100, at: 0) == Array("small file 3\n".utf8))
        descriptor.close()
    }
}
