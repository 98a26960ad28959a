import Crypto
import Foundation
import LaminaImage
import LaminaLayerIndex
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension LazyLayer {
    /// The size of one background request: small enough that a reader who arrives while one is
    /// in flight shares the link with it only briefly (2 MiB is 0.25 s at 8 MB/s).
    static let prefetchRequest: UInt64 = 2 << 20

    /// Completes the layer: the files its format marks as needed first, then every byte of the
    /// blob the store lacks, then the checks of a full pull (the blob against its digest, its
    /// uncompressed stream against the diff id). Returns the layer's state; `.incomplete` when
    /// another process is completing it. One process prefetches a layer at a time.
    @discardableResult
    public func prefetch(store: ImageStore) throws(LazyError) -> LazyLayerState {
        let state = store.lazyLayerState(record.descriptor.digest)
        guard state == .incomplete else { return state }
        guard let lock = try FileLock.attempt(path: directory + "/locks", key: Self.prefetchLockKey) else { return .incomplete }
        defer { lock.release() }
        for id in record.prioritized where Int(id) < index.fileCount {
            let descriptor = try? contentDescriptor(of: LayerFileID(rawValue: id))
            descriptor?.close()
        }
        try ranges.refresh()
        for gap in ranges.missing(in: 0..<blobSize) {
            var start = gap.lowerBound
            while start < gap.upperBound {
                DemandGate.waitForQuiet()
                let piece = start..<min(gap.upperBound, start + Self.prefetchRequest)
                let bytes = try reader.read(piece)
                try LazyError.system { () throws(SystemError) in
                    try blob.write(bytes, at: off_t(piece.lowerBound))
                    try blob.synchronize(dataOnly: true)
                }
                try ranges.record(piece)
                start = piece.upperBound
            }
        }
        return try verifyComplete(store: store)
    }

    /// Runs `prefetch` on a thread of its own (never a Swift concurrency task: it blocks), logging
    /// its outcome; what a mount calls once its lazy layers are open.
    public func startPrefetch(store: ImageStore, after delay: Double = 0) {
        let thread = Thread { [self] in
            // A mount's prefetch waits a moment: the reads a container makes as it starts go first.
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            // Readers go first: each background request waits for the demand fetches (DemandGate).
            DemandGate.$isBackground.withValue(true) {
                do {
                    let state = try prefetch(store: store)
                    logger.info("lazy layer \(record.descriptor.digest.short): \(state)")
                } catch {
                    logger.error("lazy layer \(record.descriptor.digest.short): background fetch stopped: \(error)")
                }
            }
        }
        thread.name = "lamina-prefetch"
        thread.start()
    }

    /// With every byte local: checks the blob against its digest and its stream against the diff
    /// id, records the outcome in `state`, and links the blob into `blobs/` (so export and a full
    /// pull find it). A zstd:chunked stream that equals the diff id's stream but for trailing
    /// zero blocks (skopeo drops the tar's end padding and keeps the original diff id) counts as a
    /// match; anything else is a mismatch, and commit and export refuse the layer.
    func verifyComplete(store: ImageStore) throws(LazyError) -> LazyLayerState {
        try ranges.refresh()
        guard ranges.missing(in: 0..<blobSize).isEmpty else { return .incomplete }
        let blobPath = directory + "/blob"
        let digest = try Self.hash(blob, size: blobSize)
        let outcome: String
        if digest != record.descriptor.digest {
            outcome = "mismatch the blob's bytes hash to \(digest), its descriptor says \(record.descriptor.digest)"
        } else {
            let digests: [Digest]
            do {
                digests = try store.uncompressedDigests(blob: blobPath, extraZeroBlocks: ImageStore.toleratedPadding(record.descriptor))
            } catch {
                throw .compression("\(record.descriptor.digest.short): \(error)")
            }
            if digests.first == record.diffID || digests.contains(record.diffID) {
                outcome = "complete"
            } else {
                outcome = "mismatch the uncompressed stream hashes to \(digests[0]), the image config says \(record.diffID)"
            }
        }
        try LazyError.system { () throws(SystemError) in
            let temporary = directory + "/state.tmp-\(getpid())"
            let file = try FileDescriptor.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            defer { file.close() }
            try file.write(Array((outcome + "\n").utf8), at: 0)
            try file.synchronize()
            try PosixCall.rename(temporary, to: directory + "/state")
        }
        if outcome == "complete" {
            // The store now holds the blob like any pulled one; an existing copy is the same bytes.
            _ = link(blobPath, store.blobPath(record.descriptor.digest))
        } else {
            logger.error("lazy layer \(record.descriptor.digest.short): \(outcome)")
        }
        return store.lazyLayerState(record.descriptor.digest)
    }

    static func hash(_ file: FileDescriptor, size: UInt64) throws(LazyError) -> Digest {
        var hasher = SHA256()
        var offset: UInt64 = 0
        while offset < size {
            let bytes = try LazyError.system { () throws(SystemError) in
                try file.read(count: Int(min(1 << 20, size - offset)), at: off_t(offset))
            }
            guard !bytes.isEmpty else { break }
            hasher.update(data: bytes)
            offset += UInt64(bytes.count)
        }
        return Digest(hasher.finalize())
    }
}
