import Foundation

extension ImageStore {
    /// The store's `index.json` as last written (rename makes each write atomic, so no lock is needed to read).
    func readIndex() throws(ImageError) -> ImageIndex {
        guard let data = FileManager.default.contents(atPath: indexPath) else { return ImageIndex(manifests: []) }
        do {
            return try JSONDecoder().decode(ImageIndex.self, from: data)
        } catch {
            throw .malformed(what: indexPath, reason: "\(error)")
        }
    }

    /// Read-modify-write of `index.json` under the index lock.
    func updateIndex(_ change: (inout ImageIndex) throws(ImageError) -> Void) throws(ImageError) {
        let lock = try StoreLock.acquire(indexLockPath, exclusive: true)
        defer { _ = lock }
        var index = try readIndex()
        try change(&index)
        let data: Data
        do {
            data = try Self.encoder.encode(index)
        } catch {
            throw .malformed(what: "index", reason: "\(error)")
        }
        try atomicWrite(data, to: indexPath)
    }

    /// Every image the index names.
    public func images() throws(ImageError) -> [ImageRecord] {
        try readIndex().manifests.map { ImageRecord(name: $0.refName, manifest: $0) }
    }

    /// Points `name` at `manifest`, replacing what the name pointed at before.
    func setName(_ name: String?, to manifest: Descriptor) throws(ImageError) {
        try updateIndex { index throws(ImageError) in
            var entry = manifest
            entry.platform = nil
            entry.annotations = name.map { [Descriptor.refNameAnnotation: $0] }
            if let name {
                index.manifests.removeAll { $0.refName == name }
            } else if index.manifests.contains(where: { $0.digest == manifest.digest }) {
                return  // already known; an unnamed entry adds nothing
            }
            index.manifests.append(entry)
        }
    }

    /// Finds an image by `name:tag` (`:latest` implied), by image id or manifest digest, or by a prefix
    /// of at least 4 hex digits of either. A name without a registry is looked for as given, then
    /// as `localhost/NAME`, then as Docker Hub's (`docker.io/library/NAME` is `NAME`), podman's
    /// order for short names; text that is neither a name nor hex digits is `invalidReference`.
    /// Manifests that share one config are one image (the same image imported as oci-archive and
    /// as docker-archive): an id names it, and a named manifest is preferred. An image that lost
    /// every name but a live hold keeps (`remove(force:)`) is found by its full id or manifest digest.
    public func resolve(_ text: String) throws(ImageError) -> ImageRecord {
        let records = try images()
        if let exact = records.first(where: { $0.name == text }) { return exact }
        let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        let isHex = hex.count >= 4 && hex.allSatisfy(\.isHexDigit)
        let reference: ImageReference
        do {
            reference = try ImageReference(parsing: text)
        } catch {
            guard isHex else { throw error }
            return try resolve(hexPrefix: hex, in: records, text: text)
        }
        for candidate in Self.lookupNames(reference) {
            if let named = records.first(where: { Self.normalizedName($0.name) == candidate }) { return named }
        }
        guard isHex else { throw .imageNotFound(text) }
        return try resolve(hexPrefix: hex, in: records, text: text)
    }

    /// The names a reference is looked up by, in order: as written, then under `localhost/` when
    /// it names no registry.
    static func lookupNames(_ reference: ImageReference) -> [String] {
        guard reference.host == nil else { return [reference.description] }
        var local = reference
        local.host = "localhost"
        return [local.description, reference.description]
    }

    /// A stored name in the form references compare by (stores written before names were
    /// normalized may hold `docker.io/library/x:1`).
    static func normalizedName(_ name: String?) -> String? {
        guard let name else { return nil }
        return (try? ImageReference(parsing: name))?.description ?? name
    }

    private func resolve(hexPrefix hex: String, in records: [ImageRecord], text: String) throws(ImageError) -> ImageRecord {
        var matches: [(record: ImageRecord, config: Digest?)] = []
        for record in records {
            let config = (try? manifest(record))?.config.digest
            if record.manifest.digest.encoded.hasPrefix(hex) || config?.encoded.hasPrefix(hex) == true {
                matches.append((record, config))
            }
        }
        let images = Set(matches.map { $0.config?.description ?? $0.record.manifest.digest.description })
        guard images.count <= 1 else { throw .ambiguous("'\(text)' names more than one image") }
        if let found = matches.first(where: { $0.record.name != nil }) ?? matches.first { return found.record }
        if let held = try heldImage(text) { return held }
        throw .imageNotFound(text)
    }

    func manifest(_ record: ImageRecord) throws(ImageError) -> ImageManifest {
        try readJSON(ImageManifest.self, record.manifest)
    }

    /// The manifest and config of an image, read from the store's blobs (digests checked).
    public func details(_ record: ImageRecord) throws(ImageError) -> ImageDetails {
        let manifest = try manifest(record)
        let config = try readJSON(ImageConfig.self, manifest.config)
        let names = try images().filter { $0.manifest.digest == record.manifest.digest }.compactMap(\.name)
        return ImageDetails(record: record, manifest: manifest, config: config, names: names)
    }

    /// Adds `name` for the image `source` names.
    public func tag(_ source: String, as name: String) throws(ImageError) {
        let record = try resolve(source)
        let reference = try ImageReference(parsing: name)
        try setName(reference.description, to: record.manifest)
    }

    /// Removes the name (or, given an id or digest, every name and manifest of the image) of an
    /// image. Its blobs and layers stay until `prune`, so an image sharing them is never touched.
    /// An image a container uses (a live `LayerHold`) keeps its last name: removing it is refused,
    /// as podman refuses, unless `force`, which untags it and keeps its data while the container lives.
    @discardableResult
    public func remove(_ text: String, force: Bool = false) throws(ImageError) -> [String] {
        let record = try resolve(text)
        let byName = record.name != nil
            && (record.name == text || (try? ImageReference(parsing: text)).map(Self.lookupNames)?.contains(Self.normalizedName(record.name) ?? "") == true)
        let image = try manifest(record).config.digest
        var removed: [String] = []
        try updateIndex { index throws(ImageError) in
            var configs: [Digest: Digest] = [:]
            for entry in index.manifests {
                configs[entry.digest] = try? manifest(ImageRecord(name: nil, manifest: entry)).config.digest
            }
            let kept = index.manifests.filter { entry in
                byName ? entry.refName != record.name : configs[entry.digest] != image
            }
            if !force, let hold = liveHolds().first(where: { hold in !kept.contains { configs[$0.digest] == hold.imageID } && hold.imageID == image }) {
                throw .inUse("image \(record.name ?? image.short) is in use by \(hold.description): remove the container first (or untag with --force, which keeps its layers while the container lives)")
            }
            removed = index.manifests.filter { !kept.contains($0) }.map { $0.refName ?? $0.digest.description }
            index.manifests = kept
        }
        return removed
    }
}
