import Crypto
import Foundation
import LaminaLayerIndex
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension LazyLayer {
    /// A request smaller than this is extended over the bytes after it (the next files' chunks),
    /// so reading many small neighbouring files costs few round trips.
    static let minimumRequest: UInt64 = 256 << 10
    /// A request larger than this is split.
    static let maximumRequest: UInt64 = 8 << 20
    /// Chunks closer than this are fetched in one request, gap included.
    static let coalescingGap: UInt64 = 64 << 10

    /// Fetches what the store's copy lacks of `file`'s chunks, decompresses and checks each chunk,
    /// and writes the whole file to `files/ID` (through a temporary name). Bytes that came from the
    /// copy and fail a check are fetched again once from the registry.
    func materialize(_ file: LayerFileID, metadata: LayerFileMetadata) throws(LazyError) {
        guard case .chunks(let chunks, let digest) = index.content(of: file) else {
            guard metadata.size == 0 else { throw .malformed("file \(file.rawValue) has \(metadata.size) bytes and no chunks") }
            try writeContent(file) { _ throws(LazyError) in }
            return
        }
        do {
            try writeContent(file, chunks: chunks, digest: digest, refetch: false)
        } catch {
            switch error {
            case .verification, .compression:
                logger.warning("lazy layer \(record.descriptor.digest.short): file \(file.rawValue): \(error); fetching it again")
                try writeContent(file, chunks: chunks, digest: digest, refetch: true)
            default:
                throw error
            }
        }
    }

    private func writeContent(_ file: LayerFileID, chunks: [LayerChunk], digest: [UInt8]?, refetch: Bool) throws(LazyError) {
        var fetched: [Range<UInt64>] = []
        for span in Self.spans(of: chunks) { fetched += try ensure(span, refetch: refetch) }
        try writeContent(file) { (output) throws(LazyError) in
            var hasher = SHA256()
            for chunk in chunks {
                let bytes = try self.bytes(of: chunk)
                hasher.update(data: bytes)
                try LazyError.system { () throws(SystemError) in try output.write(bytes, at: off_t(chunk.fileOffset)) }
            }
            if let digest {
                let actual = Array(hasher.finalize())
                guard actual == digest else {
                    throw .verification("file \(file.rawValue): its bytes do not match the digest in the table of contents")
                }
            }
        }
        // Only now, with every chunk checked, are the fetched ranges recorded as good.
        for range in fetched { try ranges.record(range) }
    }

    /// The uncompressed bytes of one chunk, from the store's copy, checked against its digest.
    func bytes(of chunk: LayerChunk) throws(LazyError) -> [UInt8] {
        let compressed = try LazyError.system { () throws(SystemError) in
            try blob.read(count: Int(chunk.compressedLength), at: off_t(chunk.compressedOffset))
        }
        guard compressed.count == Int(chunk.compressedLength) else { throw .malformed("chunk at \(chunk.compressedOffset) runs past the blob") }
        let frame = try FrameCodec.decompress(compressed, chunk.compression, limit: Int(chunk.innerOffset + chunk.length))
        guard frame.count == Int(chunk.innerOffset + chunk.length) else {
            throw .compression("chunk at \(chunk.compressedOffset) holds \(frame.count) bytes, \(chunk.innerOffset + chunk.length) expected")
        }
        let bytes = Array(frame[Int(chunk.innerOffset)...])
        if let digest = chunk.digest, Array(SHA256.hash(data: bytes)) != digest {
            throw .verification("chunk at \(chunk.compressedOffset) does not match its digest in the table of contents")
        }
        return bytes
    }

    /// Makes sure the copy holds `span` (or fetches all of it again, `refetch`); returns the
    /// ranges fetched (written and synced, not yet recorded).
    func ensure(_ span: Range<UInt64>, refetch: Bool) throws(LazyError) -> [Range<UInt64>] {
        try ranges.refresh()
        let missing = refetch ? [span] : ranges.missing(in: span)
        var fetched: [Range<UInt64>] = []
        for part in missing {
            var request = part
            if request.count < Self.minimumRequest && !refetch {
                // Read ahead over bytes the copy does not have yet, up to the next range it has.
                let limit = min(blobSize, part.lowerBound + Self.minimumRequest)
                let next = ranges.missing(in: part.upperBound..<max(part.upperBound, limit)).first
                if let next, next.lowerBound == part.upperBound { request = part.lowerBound..<next.upperBound }
            }
            var start = request.lowerBound
            while start < request.upperBound {
                let piece = start..<min(request.upperBound, start + Self.maximumRequest)
                let bytes = try DemandGate.fetch { () throws(LazyError) in try reader.read(piece) }
                guard bytes.count == piece.count else { throw .fetch("\(bytes.count) bytes for a range of \(piece.count)") }
                try LazyError.system { () throws(SystemError) in try blob.write(bytes, at: off_t(piece.lowerBound)) }
                fetched.append(piece)
                start = piece.upperBound
            }
        }
        if !fetched.isEmpty { try LazyError.system { () throws(SystemError) in try blob.synchronize(dataOnly: true) } }
        return fetched
    }

    /// The chunks' compressed ranges, merged where they touch or nearly touch.
    static func spans(of chunks: [LayerChunk]) -> [Range<UInt64>] {
        let sorted = chunks.map { $0.compressedOffset..<($0.compressedOffset + $0.compressedLength) }.sorted { $0.lowerBound < $1.lowerBound }
        var result: [Range<UInt64>] = []
        for range in sorted {
            if let last = result.last, range.lowerBound <= last.upperBound + coalescingGap {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    /// Writes `files/ID` through a temporary name: `body` fills it, then it is synced and renamed.
    private func writeContent(_ file: LayerFileID, _ body: (FileDescriptor) throws(LazyError) -> Void) throws(LazyError) {
        let temporary = directory + "/files/.tmp-\(file.rawValue)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let output = try LazyError.system { () throws(SystemError) in
            try FileDescriptor.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
        }
        do {
            try body(output)
            try LazyError.system { () throws(SystemError) in
                try output.truncate(to: off_t(index.metadata(of: file).size))
                try output.synchronize()
            }
            output.close()
            try LazyError.system { () throws(SystemError) in try PosixCall.rename(temporary, to: contentPath(file)) }
        } catch {
            output.close()
            try? PosixCall.unlink(temporary)
            throw error
        }
    }
}
