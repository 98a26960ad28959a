import Foundation

extension ImageStore {
    /// Writes a config and an OCI manifest for an image made in this store (compose, commit), whose
    /// layer blobs and trees are already stored or staged in `staging`; commits the staging and
    /// points `name` at the new manifest.
    func storeNewImage(
        config: ImageConfig, layers: [Descriptor], name: ImageReference, staging: Staging
    ) throws(ImageError) -> ImageRecord {
        let configData: Data
        do {
            configData = try Self.encoder.encode(config)
        } catch {
            throw .malformed(what: "config", reason: "\(error)")
        }
        let configDigest = try stageBlob(configData, staging: staging)
        let manifest = ImageManifest(
            config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configData.count)),
            layers: layers)
        let (manifestData, descriptor, _) = try Self.ociManifest(from: manifest)
        _ = try stageBlob(manifestData, staging: staging)
        try commit(staging)
        try setName(name.description, to: descriptor)
        return ImageRecord(name: name.description, manifest: descriptor)
    }
}
