import Foundation

/// One image an import brings: its manifest (already checked against its descriptor) and names.
struct IncomingImage {
    var names: [String]
    var manifestDescriptor: Descriptor
    var manifestData: Data
    var manifest: ImageManifest
}

extension ImageStore {
    /// Checks and stages every blob and layer of `images`, then commits them and names the images.
    /// Any mismatch throws before anything is committed, so a failed import adds nothing.
    /// Layers in `lazyLayers` were stored lazily (`STORE/lazy/`): their blobs are not staged or unpacked.
    func ingest(
        _ images: [IncomingImage], blobs: (Digest) -> SourceBlob?, staging: Staging, progress: ProgressHandler?,
        lazyLayers: Set<Digest> = []
    ) throws(ImageError) -> [ImageRecord] {
        let layersTotal = images.reduce(0) { $0 + $1.manifest.layers.count }
        let bytesTotal = images.reduce(Int64(0)) { total, image in total + image.manifest.layers.reduce(0) { $0 + $1.size } }
        var layersDone = 0
        var bytesDone: Int64 = 0
        for image in images {
            let manifest = image.manifest
            guard manifest.schemaVersion == 2 else {
                throw .malformed(what: "manifest \(image.manifestDescriptor.digest)", reason: "schemaVersion \(manifest.schemaVersion)")
            }
            if manifest.config.size > limits.maxJSONSize {
                throw .blobTooLarge(manifest.config.digest, size: manifest.config.size, limit: limits.maxJSONSize)
            }
            let configPath = try stageBlob(blobs(manifest.config.digest), expected: manifest.config, staging: staging)
            let config = try Self.readJSON(ImageConfig.self, manifest.config, at: configPath, limit: limits.maxJSONSize)
            let diffIDs = config.rootfs.diffIDs
            guard diffIDs.count == manifest.layers.count else {
                throw .malformed(
                    what: "image \(image.names.first ?? image.manifestDescriptor.digest.description)",
                    reason: "\(manifest.layers.count) layers but \(diffIDs.count) diff ids in its config")
            }
            for (position, (layer, diffID)) in zip(manifest.layers, diffIDs).enumerated() {
                guard MediaType.layers.contains(layer.mediaType) else { throw .unsupportedMediaType(layer.mediaType) }
                if layer.size > limits.maxLayerSize {
                    throw .blobTooLarge(layer.digest, size: layer.size, limit: limits.maxLayerSize)
                }
                progress?(ImportProgress(
                    layersDone: layersDone, layersTotal: layersTotal, bytesDone: bytesDone, bytesTotal: bytesTotal,
                    message: "layer \(position + 1)/\(manifest.layers.count) \(layer.digest.short)"))
                if lazyLayers.contains(layer.digest) {
                    layersDone += 1
                    continue
                }
                let known = exists(blobPath(layer.digest)) || exists(staging.blobPath(layer.digest))
                let blob = try stageBlob(blobs(layer.digest), expected: layer, staging: staging)
                if !exists(layerPath(diffID)) && !exists(staging.layerPath(diffID)) {
                    logger.debug("unpacking \(layer.digest) -> \(diffID)")
                    try unpackLayer(blob: blob, descriptor: layer, diffID: diffID, staging: staging)
                } else if !known {
                    try verifyLayer(blob: blob, descriptor: layer, diffID: diffID)
                }
                layersDone += 1
                bytesDone += layer.size
            }
            let manifestDigest = try stageBlob(image.manifestData, staging: staging)
            guard manifestDigest == image.manifestDescriptor.digest else {
                throw .digestMismatch(what: "manifest", expected: image.manifestDescriptor.digest, actual: manifestDigest)
            }
        }
        progress?(ImportProgress(
            layersDone: layersDone, layersTotal: layersTotal, bytesDone: bytesDone, bytesTotal: bytesTotal, message: "done"))
        try commit(staging)
        var records: [ImageRecord] = []
        for image in images {
            var descriptor = image.manifestDescriptor
            descriptor.mediaType = MediaType.ociManifest
            if image.names.isEmpty {
                try setName(nil, to: descriptor)
                records.append(ImageRecord(name: nil, manifest: descriptor))
            }
            for name in image.names {
                try setName(name, to: descriptor)
                records.append(ImageRecord(name: name, manifest: descriptor))
            }
        }
        return records
    }

    /// Turns a Docker schema 2 manifest into the OCI manifest the store keeps (same config and layer
    /// blobs, OCI media types), so the store stays a plain OCI layout.
    static func ociManifest(from manifest: ImageManifest) throws(ImageError) -> (Data, Descriptor, ImageManifest) {
        var converted = manifest
        converted.mediaType = MediaType.ociManifest
        converted.config.mediaType = MediaType.ociConfig
        for index in converted.layers.indices {
            guard let type = MediaType.ociLayerType(for: converted.layers[index].mediaType) else {
                throw .unsupportedMediaType(converted.layers[index].mediaType)
            }
            converted.layers[index].mediaType = type
        }
        let data: Data
        do {
            data = try encoder.encode(converted)
        } catch {
            throw .malformed(what: "manifest", reason: "\(error)")
        }
        let descriptor = Descriptor(mediaType: MediaType.ociManifest, digest: Digest.of(data), size: Int64(data.count))
        return (data, descriptor, converted)
    }
}
