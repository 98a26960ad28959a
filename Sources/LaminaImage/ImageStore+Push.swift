import Foundation

extension ImageStore {
    /// Pushes an image of the store to a registry as `destination` (default: its own name, whose
    /// host says where): every blob the registry lacks is uploaded (config and layers, exactly as
    /// stored, so digests are unchanged), then the manifest under the destination's tag. Returns
    /// the manifest's digest. Uses the pull's authentication (with push scope).
    @discardableResult
    public func push(
        _ text: String, to destination: String? = nil, insecure: Bool = false, credentials: RegistryCredentials? = nil,
        progress: ProgressHandler? = nil
    ) async throws(ImageError) -> Digest {
        let lock = try StoreLock.acquire(storeLockPath, exclusive: false)
        defer { _ = lock }
        let record = try resolve(text)
        guard let name = destination ?? record.name else {
            throw .malformed(what: "push of \(text)", reason: "the image has no name: give a destination (HOST/NAME:TAG)")
        }
        let target = try ImageReference(parsing: name)
        let repository = target.remoteRepository
        let client = RegistryClient(host: target.registry, insecure: insecure, credentials: credentials, idleTimeout: registryIdleTimeout)
        let manifest = try self.manifest(record)
        try requireCompleteLayers(manifest, for: "push")
        var seen: Set<Digest> = []
        let blobs = ([manifest.config] + manifest.layers).filter { seen.insert($0.digest).inserted }
        let total = blobs.reduce(Int64(0)) { $0 + $1.size }
        var done: Int64 = 0
        for (position, blob) in blobs.enumerated() {
            progress?(ImportProgress(
                layersDone: position, layersTotal: blobs.count, bytesDone: done, bytesTotal: total,
                message: "pushing \(blob.digest.short)"))
            if try await !client.blobExists(repository: repository, digest: blob.digest) {
                try await client.upload(repository: repository, digest: blob.digest, size: blob.size, from: blobPath(blob.digest))
            }
            done += blob.size
        }
        guard let data = FileManager.default.contents(atPath: blobPath(record.manifest.digest)) else {
            throw .missingBlob(record.manifest.digest)
        }
        guard Digest.of(data) == record.manifest.digest else {
            throw .digestMismatch(what: "manifest of \(text)", expected: record.manifest.digest, actual: Digest.of(data))
        }
        let reference = target.digest == nil ? (target.tag ?? "latest") : record.manifest.digest.description
        try await client.putManifest(repository: repository, reference: reference, data: data, mediaType: record.manifest.mediaType)
        progress?(ImportProgress(layersDone: blobs.count, layersTotal: blobs.count, bytesDone: total, bytesTotal: total, message: "pushed"))
        return record.manifest.digest
    }
}
