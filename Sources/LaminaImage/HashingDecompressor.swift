import Crypto
import LaminaSystem

/// The decompressed bytes of a layer blob, hashed as they pass, so the diff id is checked in the
/// same single pass that unpacks the layer.
///
/// Wraps a raw-format `ArchiveReader` (gzip, zstd, or none, detected from the bytes) and feeds a
/// tar reader through `ChunkSource`. Not thread-safe: owned by one unpacking task.
package final class HashingDecompressor: ChunkSource {
    private let raw: ArchiveReader
    private var hasher = SHA256()
    package private(set) var byteCount: Int64 = 0
    private let limit: Int64
    private let name: String

    package init(fileDescriptor: FileDescriptor, name: String, limit: Int64) throws(ImageError) {
        raw = try ArchiveReader(fileDescriptor: fileDescriptor, format: .raw, name: name)
        self.limit = limit
        self.name = name
        super.init()
        guard try raw.nextEntry() != nil else { throw .archive("\(name): empty stream") }
    }

    override package func nextChunk() throws(ImageError) -> UnsafeRawBufferPointer {
        let block = try raw.nextBlock()
        hasher.update(bufferPointer: block)
        byteCount += Int64(block.count)
        if byteCount > limit {
            throw .archive("\(name): uncompressed size exceeds the limit of \(limit) bytes")
        }
        return block
    }

    /// Reads what the tar reader left (end-of-archive padding) and returns the digest of it all.
    package func finish() throws(ImageError) -> Digest {
        try finish(extraZeroBlocks: 0)[0]
    }

    /// Reads to the end; returns the digest of the stream, then of the stream followed by 1 to
    /// `extraZeroBlocks` more 512-byte blocks of zeros (a tar re-written without its trailing padding).
    package func finish(extraZeroBlocks: Int) throws(ImageError) -> [Digest] {
        while try !nextChunk().isEmpty {}
        var digests = [Digest(hasher.finalize())]
        var padded = hasher
        let block = [UInt8](repeating: 0, count: 512)
        for _ in 0..<max(0, extraZeroBlocks) {
            padded.update(data: block)
            digests.append(Digest(padded.finalize()))
        }
        return digests
    }
}
