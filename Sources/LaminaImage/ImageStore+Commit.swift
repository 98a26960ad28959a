import Foundation

extension ImageStore {
    /// Makes a new image named `name`: the image `base` names plus one layer on top, written by
    /// `body`, with `history` appended to the base's history (`lamina commit`).
    ///
    /// The layer is stored as an uncompressed tar (its blob digest is its diff id) and unpacked into
    /// the store like an imported layer, so the new image mounts at once. Everything is staged
    /// first: a failure anywhere, in `body` too, adds nothing to the store. `base` may be any name,
    /// id or manifest of the image, or the id of an image only a container's hold keeps.
    @discardableResult
    public func commitLayer(
        onto base: String, name: String, history: ImageConfig.History,
        write body: (LayerArchive) throws(ImageError) -> Void
    ) throws(ImageError) -> ImageRecord {
        let reference = try ImageReference(parsing: name)
        let lock = try StoreLock.acquire(storeLockPath, exclusive: false)
        defer { _ = lock }
        let details = try details(try resolve(base))
        try requireCompleteLayers(details.manifest, for: "commit", allowingIncomplete: true)
        let staging = try Staging(store: self)
        let tarPath = staging.scratchPath("layer")
        let archive = try LayerArchive(path: tarPath)
        try body(archive)
        try archive.finish()

        let diffID = try Self.hashFile(tarPath)
        guard let size = Self.fileSize(tarPath) else { throw .malformed(what: "committed layer", reason: "\(tarPath) is gone") }
        let layer = Descriptor(mediaType: MediaType.ociLayer, digest: diffID, size: size)
        let blob = try stageBlob(SourceBlob(path: tarPath, movable: true, digest: diffID, size: size), expected: layer, staging: staging)
        if !exists(layerPath(diffID)) {
            try unpackLayer(blob: blob, descriptor: layer, diffID: diffID, staging: staging)
        }

        var config = details.config
        config.created = ISO8601DateFormatter().string(from: Date())
        config.rootfs.diffIDs.append(diffID)
        config.history = (config.history ?? []) + [history]
        return try storeNewImage(
            config: config, layers: details.manifest.layers + [layer], name: reference, staging: staging)
    }
}
