import Foundation

extension ImageStore {
    /// One layer found in the store: its blob descriptor, diff id, and the image it came from.
    struct StoredLayer {
        var descriptor: Descriptor
        var diffID: Digest
        var history: ImageConfig.History?
        var source: String
    }

    /// Builds a new image from layers already in the store, bottom first, without copying layer data:
    /// each item is an image (all its layers) or a layer (its diff id or blob digest, or a prefix of at
    /// least 4 hex digits). The run settings and platform come from the last image named.
    @discardableResult
    public func compose(_ items: [String], name: String) throws(ImageError) -> ImageRecord {
        let reference = try ImageReference(parsing: name)
        let lock = try StoreLock.acquire(storeLockPath, exclusive: false)
        defer { _ = lock }
        guard !items.isEmpty else { throw .malformed(what: "compose", reason: "no layers given") }
        var layers: [StoredLayer] = []
        var base: ImageConfig?
        for item in items {
            if let record = try? resolve(item) {
                let details = try details(record)
                let history = (details.config.history ?? []).filter { $0.emptyLayer != true }
                for (position, (descriptor, diffID)) in zip(details.manifest.layers, details.config.rootfs.diffIDs).enumerated() {
                    let step = history.count == details.manifest.layers.count ? history[position] : nil
                    layers.append(StoredLayer(descriptor: descriptor, diffID: diffID, history: step, source: item))
                }
                base = details.config
            } else {
                layers.append(try findLayer(item))
            }
        }
        for layer in layers where !exists(blobPath(layer.descriptor.digest)) || !exists(layerPath(layer.diffID)) {
            throw .layerNotFound(layer.descriptor.digest.description)
        }
        let created = ISO8601DateFormatter().string(from: Date())
        let history = layers.map { layer in
            ImageConfig.History(
                created: layer.history?.created ?? created,
                createdBy: layer.history?.createdBy ?? "lamina image compose",
                comment: "layer \(layer.diffID) from \(layer.source)")
        }
        let config = ImageConfig(
            platform: base?.platform ?? .host, config: base?.config, diffIDs: layers.map(\.diffID),
            history: history, created: created)
        let staging = try Staging(store: self)
        return try storeNewImage(config: config, layers: layers.map(\.descriptor), name: reference, staging: staging)
    }

    /// A layer named by diff id or blob digest (or a unique prefix), found through the images using it.
    func findLayer(_ text: String) throws(ImageError) -> StoredLayer {
        let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        guard hex.count >= 4, hex.allSatisfy(\.isHexDigit) else { throw .imageNotFound(text) }
        var found: [Digest: StoredLayer] = [:]
        for record in try images() {
            guard let details = try? details(record) else { continue }
            let history = (details.config.history ?? []).filter { $0.emptyLayer != true }
            for (position, (descriptor, diffID)) in zip(details.manifest.layers, details.config.rootfs.diffIDs).enumerated()
            where diffID.encoded.hasPrefix(hex) || descriptor.digest.encoded.hasPrefix(hex) {
                let step = history.count == details.manifest.layers.count ? history[position] : nil
                found[diffID] = StoredLayer(
                    descriptor: descriptor, diffID: diffID, history: step, source: record.name ?? record.manifest.digest.description)
            }
        }
        guard found.count <= 1 else { throw .ambiguous("'\(text)' names more than one layer") }
        guard let layer = found.values.first else { throw .layerNotFound(text) }
        return layer
    }
}
