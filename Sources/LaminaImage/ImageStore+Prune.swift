import Foundation

/// What `prune` removed.
///
/// Immutable value.
public struct PruneReport: Sendable {
    public var blobs: [Digest]
    public var layers: [Digest]
}

extension ImageStore {
    /// Removes every blob and unpacked layer that no image in the index uses and no live hold (a
    /// container, `LayerHold`) keeps, and abandoned staging and holds. Holds the store lock
    /// exclusive, so it waits for running imports, pulls and holds, and none starts meanwhile.
    @discardableResult
    public func prune() throws(ImageError) -> PruneReport {
        let lock = try StoreLock.acquire(storeLockPath, exclusive: true)
        defer { _ = lock }
        try removeAbandonedStaging()
        var blobs: Set<Digest> = []
        var layers: Set<Digest> = []
        for record in try images() {
            blobs.insert(record.manifest.digest)
            let details = try details(record)
            blobs.insert(details.manifest.config.digest)
            for layer in details.manifest.layers { blobs.insert(layer.digest) }
            for diffID in details.config.rootfs.diffIDs { layers.insert(diffID) }
        }
        for hold in liveHolds(removingStale: true) {
            layers.formUnion(hold.diffIDs)
            blobs.formUnion([hold.manifest, hold.imageID])
            let record = ImageRecord(name: nil, manifest: Descriptor(mediaType: MediaType.ociManifest, digest: hold.manifest, size: Self.fileSize(blobPath(hold.manifest)) ?? -1))
            if let manifest = try? manifest(record) { blobs.formUnion(manifest.layers.map(\.digest)) }
        }
        var report = PruneReport(blobs: [], layers: [])
        let kept = [(blobsDirectory, blobs), (layersDirectory, layers), (indexesDirectory, layers), (lazyLayersDirectory, blobs)]
        for (directory, keep) in kept {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                guard let digest = try? Digest(parsing: "sha256:" + name) else { continue }
                if keep.contains(digest) { continue }
                do {
                    try FileManager.default.removeItem(atPath: directory + "/" + name)
                } catch {
                    throw .malformed(what: "store", reason: "cannot remove \(directory)/\(name): \(error)")
                }
                if directory == blobsDirectory { report.blobs.append(digest) } else if directory == layersDirectory { report.layers.append(digest) }
            }
        }
        return report
    }
}
