import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ImageStore {
    /// Imports the images of a staged docker archive: its configs are kept byte for byte (so image
    /// ids match Docker's), its layers become OCI layer blobs, and an OCI manifest is written for each.
    func importDockerArchive(
        manifest: StagedMember, members: [String: StagedMember], name: String?, staging: Staging, progress: ProgressHandler?
    ) throws(ImageError) -> [ImageRecord] {
        guard manifest.size <= limits.maxJSONSize, let data = FileManager.default.contents(atPath: manifest.path) else {
            throw .malformed(what: "manifest.json", reason: "too large or unreadable")
        }
        let entries = try Self.decode([DockerArchiveManifest].self, data, what: "manifest.json")
        guard !entries.isEmpty else { throw .malformed(what: "manifest.json", reason: "lists no image") }
        if name != nil && entries.count != 1 {
            throw .ambiguous("the archive holds \(entries.count) images; -t names only one")
        }
        var sources: [Digest: SourceBlob] = [:]
        var images: [IncomingImage] = []
        for entry in entries {
            let configKey = try Self.memberKey(ArchivePath(entry.config), entry: ArchivePath(entry.config))
            guard let config = members[configKey] else {
                throw .malformed(what: "docker archive", reason: "config \(entry.config) is missing")
            }
            sources[config.digest] = SourceBlob(path: config.path, movable: true, digest: config.digest, size: config.size)
            var layers: [Descriptor] = []
            for layerPath in entry.layers {
                let key = try Self.memberKey(ArchivePath(layerPath), entry: ArchivePath(layerPath))
                guard let layer = members[key] else {
                    throw .malformed(what: "docker archive", reason: "layer \(layerPath) is missing")
                }
                sources[layer.digest] = SourceBlob(path: layer.path, movable: true, digest: layer.digest, size: layer.size)
                layers.append(Descriptor(mediaType: try Self.layerMediaType(of: layer.path), digest: layer.digest, size: layer.size))
            }
            let configDescriptor = Descriptor(mediaType: MediaType.ociConfig, digest: config.digest, size: config.size)
            let (manifestData, descriptor, ociManifest) = try Self.ociManifest(
                from: ImageManifest(config: configDescriptor, layers: layers))
            var names: [String] = []
            for tag in entry.repoTags ?? [] { names.append(try ImageReference(parsing: tag).description) }
            if let name { names = [try ImageReference(parsing: name).description] }
            images.append(IncomingImage(names: names, manifestDescriptor: descriptor, manifestData: manifestData, manifest: ociManifest))
        }
        return try ingest(images, blobs: { sources[$0] }, staging: staging, progress: progress)
    }

    /// The OCI layer type of a layer file, from its first bytes (gzip, zstd, or plain tar).
    static func layerMediaType(of path: String) throws(ImageError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .system(SystemError.current("open", path: path)) }
        defer { try? handle.close() }
        let magic = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
        if magic.starts(with: [0x1f, 0x8b]) { return MediaType.ociLayerGzip }
        if magic.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return MediaType.ociLayerZstd }
        return MediaType.ociLayer
    }
}
