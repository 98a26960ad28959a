import Foundation

extension ImageStore {
    /// Imports every image an OCI image layout directory names.
    ///
    /// `name` renames the image when the layout holds exactly one; `platform` picks from a nested index.
    @discardableResult
    public func importLayout(
        at directory: String, name: String? = nil, platform: Platform = .host, progress: ProgressHandler? = nil
    ) throws(ImageError) -> [ImageRecord] {
        let lock = try StoreLock.acquire(storeLockPath, exclusive: false)
        defer { _ = lock }
        let staging = try Staging(store: self)
        return try importLayout(directory, movable: false, name: name, platform: platform, staging: staging, progress: progress)
    }

    func importLayout(
        _ directory: String, movable: Bool, name: String?, platform: Platform, staging: Staging, progress: ProgressHandler?
    ) throws(ImageError) -> [ImageRecord] {
        let indexPath = directory + "/index.json"
        guard let size = Self.fileSize(indexPath) else {
            throw .malformed(what: "OCI layout \(directory)", reason: "no index.json")
        }
        guard size <= limits.maxJSONSize, let data = FileManager.default.contents(atPath: indexPath) else {
            throw .malformed(what: "OCI layout \(directory)", reason: "index.json is too large or unreadable")
        }
        let index = try Self.decode(ImageIndex.self, data, what: "\(indexPath)")
        let blobs: (Digest) -> SourceBlob? = { digest in
            SourceBlob(path: directory + "/blobs/sha256/" + digest.encoded, movable: movable)
        }
        var images: [IncomingImage] = []
        for entry in index.manifests {
            var descriptor = entry
            if MediaType.indexes.contains(entry.mediaType) {
                let path = directory + "/blobs/sha256/" + entry.digest.encoded
                let nested = try Self.readJSON(ImageIndex.self, entry, at: path, limit: limits.maxJSONSize)
                descriptor = try nested.manifest(for: platform)
            }
            guard MediaType.manifests.contains(descriptor.mediaType) else {
                throw .unsupportedMediaType(descriptor.mediaType)
            }
            let path = directory + "/blobs/sha256/" + descriptor.digest.encoded
            let manifestData = try Self.readVerified(descriptor, at: path, limit: limits.maxJSONSize)
            var manifest = try Self.decode(ImageManifest.self, manifestData, what: "manifest \(descriptor.digest)")
            var storedData = manifestData
            if descriptor.mediaType == MediaType.dockerManifest || manifest.mediaType == MediaType.dockerManifest {
                (storedData, descriptor, manifest) = try Self.ociManifest(from: manifest)
            }
            let names = try entry.refName.map { text throws(ImageError) in [try ImageReference(parsing: text).description] } ?? []
            images.append(IncomingImage(names: names, manifestDescriptor: descriptor, manifestData: storedData, manifest: manifest))
        }
        guard !images.isEmpty else { throw .malformed(what: "OCI layout \(directory)", reason: "index.json lists no image") }
        if let name {
            guard images.count == 1 else {
                throw .ambiguous("the layout holds \(images.count) images; -t names only one")
            }
            images[0].names = [try ImageReference(parsing: name).description]
        }
        return try ingest(images, blobs: blobs, staging: staging, progress: progress)
    }
}
