import Foundation

/// What `prune` removed.
///
/// Immutable value.
public struct PruneReport: Sendable {
    public var blobs: [Digest]
    public var layers: [Digest]
}

extension ImageStore {
    /// Removes every blob and unpacked layer no image in the index uses, and abandoned staging.
    /// Holds the store lock exclusive, so it waits for running imports and none starts meanwhile.
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
