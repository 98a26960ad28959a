import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ImageStore {
    /// Unpacks the layer blob at `blob` into `staging`, refusing it unless its uncompressed stream
    /// hashes to `diffID`, and writes the tree's layer index beside it.
    func unpackLayer(blob: String, descriptor: Descriptor, diffID: Digest, staging: Staging) throws(ImageError) {
        let target = staging.layerPath(diffID)
        guard mkdir(target, 0o755) == 0 else { throw .system(SystemError.current("mkdir", path: target)) }
        let name = "layer \(descriptor.digest.short)"
        try withLayerStream(blob: blob, name: name, padding: Self.toleratedPadding(descriptor)) { (decompressor) throws(ImageError) in
            let tar = try ArchiveReader(source: decompressor, format: .tarUncompressed, name: name)
            let unpacker = try LayerUnpacker(rootPath: target, limits: limits)
            if descriptor.annotations?[Descriptor.estargzTOCDigestAnnotation] != nil {
                unpacker.skippedRootNames = Set(Descriptor.estargzFormatEntries.compactMap { FileName($0) })
            }
            try unpacker.unpack(tar)
        } verify: { digests throws(ImageError) in
            try Self.check(digests, against: diffID, name: name)
        }
        try Self.writeIndex(of: target, to: staging.layerIndexPath(diffID))
    }

    /// Checks that a layer blob decompresses to `diffID` without unpacking it (the tree exists already).
    func verifyLayer(blob: String, descriptor: Descriptor, diffID: Digest) throws(ImageError) {
        let name = "layer \(descriptor.digest.short)"
        try withLayerStream(blob: blob, name: name, padding: Self.toleratedPadding(descriptor)) { _ throws(ImageError) in
        } verify: { digests throws(ImageError) in
            try Self.check(digests, against: diffID, name: name)
        }
    }

    /// How many trailing zero blocks a layer's stream may lack against its diff id: skopeo writes
    /// zstd:chunked layers from a tar without its end padding and keeps the original diff id
    /// (the members are the same bytes; no tar reader sees the padding). Other layers: none.
    package static func toleratedPadding(_ descriptor: Descriptor) -> Int {
        let keys = ["io.github.containers.zstd-chunked.manifest-checksum", "io.containers.zstd-chunked.manifest-checksum"]
        return keys.contains(where: { descriptor.annotations?[$0] != nil }) ? 20 : 0
    }

    /// Refuses a layer unless its stream (or, where tolerated, the stream with padding restored)
    /// hashes to its diff id.
    static func check(_ digests: [Digest], against diffID: Digest, name: String) throws(ImageError) {
        guard digests.contains(diffID) else {
            throw .digestMismatch(what: "\(name) (uncompressed, against its diff id)", expected: diffID, actual: digests[0])
        }
    }

    /// The digest of the uncompressed stream of the blob at `blob`, then of it padded with 1 to
    /// `extraZeroBlocks` more 512-byte zero blocks (see `HashingDecompressor.finish(extraZeroBlocks:)`).
    package func uncompressedDigests(blob: String, extraZeroBlocks: Int) throws(ImageError) -> [Digest] {
        let descriptor = try ImageError.system { () throws(SystemError) in try FileDescriptor.open(blob, flags: O_RDONLY) }
        defer { descriptor.close() }
        let decompressor = try HashingDecompressor(fileDescriptor: descriptor, name: blob, limit: limits.maxLayerSize)
        return try decompressor.finish(extraZeroBlocks: extraZeroBlocks)
    }

    private func withLayerStream(
        blob: String, name: String, padding: Int,
        _ body: (HashingDecompressor) throws(ImageError) -> Void,
        verify: ([Digest]) throws(ImageError) -> Void
    ) throws(ImageError) {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(blob, flags: O_RDONLY)
        } catch {
            throw .system(error)
        }
        defer { descriptor.close() }
        let decompressor = try HashingDecompressor(fileDescriptor: descriptor, name: name, limit: limits.maxLayerSize)
        try body(decompressor)
        try verify(try decompressor.finish(extraZeroBlocks: padding))
    }

    /// Moves everything staged into the store. A blob or layer another process added meanwhile is
    /// identical by construction (same digest), so the staged copy is dropped.
    func commit(_ staging: Staging) throws(ImageError) {
        let moves = [
            (staging.path + "/blobs", blobsDirectory), (staging.path + "/layers", layersDirectory),
            (staging.path + "/indexes", indexesDirectory),
        ]
        for (from, to) in moves {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: from)) ?? []
            for name in names {
                do {
                    try FileDescriptor.currentDirectory.rename(
                        from + "/" + name, to: .currentDirectory, to + "/" + name, flags: .noReplace)
                } catch where error.errno == EEXIST || error.errno == ENOTEMPTY {
                    continue
                } catch {
                    throw .system(error)
                }
            }
        }
    }
}
