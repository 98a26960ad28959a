import Foundation

extension ImageStore {
    /// Pulls an image from a registry: resolves an index or manifest list to `platform`, fetches the
    /// config and every layer the store does not already hold, checks each against its digest, size
    /// and diff id, and names the image by `reference`.
    @discardableResult
    public func pull(
        _ text: String, platform: Platform = .host, insecure: Bool = false, credentials: RegistryCredentials? = nil,
        progress: ProgressHandler? = nil
    ) async throws(ImageError) -> ImageRecord {
        try await pull(text, platform: platform, insecure: insecure, credentials: credentials, progress: progress, lazily: nil)
    }

    /// Pulls an image; each layer `lazily` accepts (it stored the layer's table of contents and can
    /// fetch the rest on demand) is not downloaded.
    package func pull(
        _ text: String, platform: Platform, insecure: Bool, credentials: RegistryCredentials?,
        progress: ProgressHandler?, lazily: LazyLayerHook?
    ) async throws(ImageError) -> ImageRecord {
        let reference = try ImageReference(parsing: text)
        let repository = reference.remoteRepository
        let client = RegistryClient(host: reference.registry, insecure: insecure, credentials: credentials, idleTimeout: registryIdleTimeout)
        let lock = try StoreLock.acquire(storeLockPath, exclusive: false)
        defer { _ = lock }
        let staging = try Staging(store: self)

        // Manifest, through an index if the registry serves one.
        var (data, type) = try await client.manifest(repository: repository, reference: reference.remoteReference)
        if let digest = reference.digest, Digest.of(data) != digest {
            throw .digestMismatch(what: "manifest \(text)", expected: digest, actual: Digest.of(data))
        }
        type = Self.mediaType(of: data, header: type)
        var descriptor = Descriptor(mediaType: type, digest: Digest.of(data), size: Int64(data.count))
        if MediaType.indexes.contains(type) {
            let index = try Self.decode(ImageIndex.self, data, what: "index \(text)")
            descriptor = try index.manifest(for: platform)
            guard descriptor.size <= limits.maxJSONSize else {
                throw .blobTooLarge(descriptor.digest, size: descriptor.size, limit: limits.maxJSONSize)
            }
            (data, type) = try await client.manifest(repository: repository, reference: descriptor.digest.description)
            try Self.verify(data, against: descriptor, what: "manifest for \(platform)")
            type = Self.mediaType(of: data, header: type)
        }
        guard MediaType.manifests.contains(type) else { throw .unsupportedMediaType(type) }
        var manifest = try Self.decode(ImageManifest.self, data, what: "manifest \(descriptor.digest)")
        descriptor.mediaType = type
        if type == MediaType.dockerManifest {
            (data, descriptor, manifest) = try Self.ociManifest(from: manifest)
        }

        // Config and layers the store lacks, downloaded into staging.
        var sources: [Digest: SourceBlob] = [:]
        if !exists(blobPath(manifest.config.digest)) {
            guard manifest.config.size <= limits.maxJSONSize else {
                throw .blobTooLarge(manifest.config.digest, size: manifest.config.size, limit: limits.maxJSONSize)
            }
            let config = try await client.blob(repository: repository, digest: manifest.config.digest)
            try Self.verify(config, against: manifest.config, what: "config")
            let path = staging.scratchPath("config")
            do {
                try config.write(to: URL(fileURLWithPath: path))
            } catch {
                throw .malformed(what: "staging", reason: "\(error)")
            }
            sources[manifest.config.digest] = SourceBlob(path: path, movable: true)
        }
        let total = manifest.layers.reduce(Int64(0)) { $0 + $1.size }
        var done: Int64 = 0
        var lazyLayers: Set<Digest> = []
        let diffIDs = try lazily == nil ? [] : configDiffIDs(manifest.config, staged: sources[manifest.config.digest]?.path)
        for (position, layer) in manifest.layers.enumerated() {
            progress?(ImportProgress(
                layersDone: position, layersTotal: manifest.layers.count, bytesDone: done, bytesTotal: total,
                message: "downloading \(layer.digest.short)"))
            if let lazily, position < diffIDs.count, !exists(blobPath(layer.digest)), !exists(layerPath(diffIDs[position])),
                try await lazily(RemoteLayer(client: client, repository: repository, insecure: insecure, descriptor: layer, diffID: diffIDs[position]))
            {
                lazyLayers.insert(layer.digest)
                continue
            }
            if !exists(blobPath(layer.digest)) && sources[layer.digest] == nil {
                guard layer.size <= limits.maxLayerSize else {
                    throw .blobTooLarge(layer.digest, size: layer.size, limit: limits.maxLayerSize)
                }
                let path = staging.scratchPath("layer")
                let (before, count) = (done, manifest.layers.count)
                let report = progress.map { handler in
                    { @Sendable (written: Int64) in
                        handler(ImportProgress(
                            layersDone: position, layersTotal: count, bytesDone: before + written, bytesTotal: total,
                            message: "downloading \(layer.digest.short)"))
                    }
                }
                try await client.download(repository: repository, digest: layer.digest, to: path, progress: report)
                sources[layer.digest] = SourceBlob(path: path, movable: true)
            }
            done += layer.size
        }
        let image = IncomingImage(
            names: [reference.description], manifestDescriptor: descriptor, manifestData: data, manifest: manifest)
        let records = try ingest([image], blobs: { sources[$0] }, staging: staging, progress: progress, lazyLayers: lazyLayers)
        guard let record = records.first else { throw .imageNotFound(text) }
        return record
    }

    /// The diff ids of a config just staged at `staged`, or already in the store.
    private func configDiffIDs(_ descriptor: Descriptor, staged: String?) throws(ImageError) -> [Digest] {
        let config = try Self.readJSON(ImageConfig.self, descriptor, at: staged ?? blobPath(descriptor.digest), limit: limits.maxJSONSize)
        return config.rootfs.diffIDs
    }

    /// The media type of a manifest: its own `mediaType` field, else the response's Content-Type.
    static func mediaType(of data: Data, header: String) -> String {
        struct Probe: Decodable { var mediaType: String? }
        if let probe = try? JSONDecoder().decode(Probe.self, from: data), let type = probe.mediaType { return type }
        return header
    }

    static func verify(_ data: Data, against descriptor: Descriptor, what: String) throws(ImageError) {
        guard Int64(data.count) == descriptor.size else {
            throw .sizeMismatch(what: what, expected: descriptor.size, actual: Int64(data.count))
        }
        let actual = Digest.of(data)
        guard actual == descriptor.digest else { throw .digestMismatch(what: what, expected: descriptor.digest, actual: actual) }
    }
}
