import Foundation

extension ImageStore {
    /// Makes a new image named `name` from the image `source` with every layer rewritten by
    /// `convert` (given the stored layer's descriptor, its blob, and where to write the new blob;
    /// answering the new descriptor and diff id). The new layers are unpacked and indexed like an
    /// import; the config keeps everything but the diff ids. Staged first: a failure adds nothing.
    package func convertImage(
        _ source: String, name: String,
        convert: (Descriptor, String, String) throws(ImageError) -> (Descriptor, Digest)
    ) throws(ImageError) -> ImageRecord {
        let reference = try ImageReference(parsing: name)
        let lock = try StoreLock.acquire(storeLockPath, exclusive: false)
        defer { _ = lock }
        let details = try details(try resolve(source))
        try requireCompleteLayers(details.manifest, for: "convert")
        let staging = try Staging(store: self)
        var layers: [Descriptor] = []
        var diffIDs: [Digest] = []
        for layer in details.manifest.layers {
            let output = staging.scratchPath("converted")
            let (descriptor, diffID) = try convert(layer, blobPath(layer.digest), output)
            let blob = try stageBlob(SourceBlob(path: output, movable: true, digest: descriptor.digest, size: descriptor.size), expected: descriptor, staging: staging)
            if !exists(layerPath(diffID)) && !exists(staging.layerPath(diffID)) {
                try unpackLayer(blob: blob, descriptor: descriptor, diffID: diffID, staging: staging)
            }
            layers.append(descriptor)
            diffIDs.append(diffID)
        }
        var config = details.config
        config.rootfs.diffIDs = diffIDs
        return try storeNewImage(config: config, layers: layers, name: reference, staging: staging)
    }
}
