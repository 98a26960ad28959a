import Crypto
import LaminaImage
import LaminaLayerIndex
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Receives a tar stream from libarchive and writes it to a blob as a row of compressed frames
/// (zstd frames or gzip members), cut where the converter says: before each file's data, between
/// chunks, before the table of contents. Hashes both streams as they pass: the uncompressed one is
/// the layer's diff id, the compressed one its blob digest.
///
/// Not thread-safe: driven by one converter.
final class FrameSink: ArchiveSink {
    let output: FileDescriptor
    let compression: LayerChunk.Compression
    /// Bytes of the blob written so far: where the next frame starts.
    private(set) var offset: UInt64 = 0
    private(set) var uncompressedCount: UInt64 = 0
    private var pending: [UInt8] = []
    private var uncompressed = SHA256()
    private var compressed = SHA256()

    init(output: FileDescriptor, compression: LayerChunk.Compression) {
        self.output = output
        self.compression = compression
        super.init()
    }

    override func write(_ bytes: UnsafeRawBufferPointer) throws(ImageError) {
        pending.append(contentsOf: bytes)
        uncompressed.update(bufferPointer: bytes)
        uncompressedCount += UInt64(bytes.count)
    }

    /// Compresses what was written since the last cut as one frame.
    func cut() throws(LazyError) {
        guard !pending.isEmpty else { return }
        let frame = try FrameCodec.compress(pending, compression)
        try append(frame)
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes bytes to the blob as they are (a skippable frame, a footer).
    func append(_ bytes: [UInt8]) throws(LazyError) {
        try LazyError.system { () throws(SystemError) in try output.write(bytes, at: off_t(offset)) }
        compressed.update(data: bytes)
        offset += UInt64(bytes.count)
    }

    var diffID: LaminaImage.Digest { LaminaImage.Digest(uncompressed.finalize()) }
    var blobDigest: LaminaImage.Digest { LaminaImage.Digest(compressed.finalize()) }
}
