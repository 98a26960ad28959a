import Foundation
@testable import LaminaImage

/// One layer built at test time: its tar entries, and the blob written from them.
struct LayerFixture {
    enum Compression { case none, gzip, zstd }

    var blobPath: String
    var descriptor: Descriptor
    var diffID: Digest

    /// Writes `entries` as a tar under `directory`, compressed as asked.
    static func make(
        _ entries: [(ArchiveEntry, [UInt8])], in directory: String, compression: Compression = .gzip
    ) throws -> LayerFixture {
        let tar = directory + "/layer-\(UUID().uuidString).tar"
        let writer = try ArchiveWriter(path: tar)
        for (entry, data) in entries {
            var entry = entry
            if entry.kind == .regular && entry.hardlinkTarget == nil { entry.size = Int64(data.count) }
            try writer.add(entry, data: data)
        }
        try writer.finish()
        return try make(tarAt: tar, compression: compression)
    }

    /// Compresses an existing tar file into a layer blob.
    static func make(tarAt tar: String, compression: Compression) throws -> LayerFixture {
        let diffID = try ImageStore.hashFile(tar)
        let blob: String
        let type: String
        switch compression {
        case .none:
            blob = tar
            type = MediaType.ociLayer
        case .gzip:
            try run("/usr/bin/gzip", ["-n", "-k", "-f", tar])
            blob = tar + ".gz"
            type = MediaType.ociLayerGzip
        case .zstd:
            try run("/usr/bin/zstd", ["-q", "-f", tar, "-o", tar + ".zst"])
            blob = tar + ".zst"
            type = MediaType.ociLayerZstd
        }
        let digest = try ImageStore.hashFile(blob)
        let size = ImageStore.fileSize(blob) ?? 0
        return LayerFixture(blobPath: blob, descriptor: Descriptor(mediaType: type, digest: digest, size: size), diffID: diffID)
    }
}

/// An image built at test time as an OCI layout directory, from which the other forms are made.
struct ImageFixture {
    var layout: String
    var manifest: Descriptor
    var config: Descriptor
    var layers: [LayerFixture]

    /// Writes an OCI layout at `layout` holding one image named `name` with `layers` (bottom first).
    /// `tamper` may change the manifest or config before they are written.
    static func make(
        at layout: String, name: String?, layers: [LayerFixture],
        diffIDs: [Digest]? = nil, tamper: (inout ImageManifest) -> Void = { _ in }
    ) throws -> ImageFixture {
        let blobs = layout + "/blobs/sha256"
        try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
        for layer in layers {
            let target = blobs + "/" + layer.descriptor.digest.encoded
            if !FileManager.default.fileExists(atPath: target) { try FileManager.default.copyItem(atPath: layer.blobPath, toPath: target) }
        }
        let history = layers.map { _ in ImageConfig.History(created: "2024-01-01T00:00:00Z", createdBy: "test layer") }
        let config = ImageConfig(
            platform: .host, config: .object(["Cmd": .array([.string("/bin/sh")])]),
            diffIDs: diffIDs ?? layers.map(\.diffID), history: history, created: "2024-01-01T00:00:00Z")
        let configData = try ImageStore.encoder.encode(config)
        let configDescriptor = Descriptor(mediaType: MediaType.ociConfig, digest: Digest.of(configData), size: Int64(configData.count))
        try configData.write(to: URL(fileURLWithPath: blobs + "/" + configDescriptor.digest.encoded))
        var manifest = ImageManifest(config: configDescriptor, layers: layers.map(\.descriptor))
        tamper(&manifest)
        let manifestData = try ImageStore.encoder.encode(manifest)
        let manifestDescriptor = Descriptor(
            mediaType: MediaType.ociManifest, digest: Digest.of(manifestData), size: Int64(manifestData.count),
            annotations: name.map { [Descriptor.refNameAnnotation: $0] })
        try manifestData.write(to: URL(fileURLWithPath: blobs + "/" + manifestDescriptor.digest.encoded))
        try ImageStore.encoder.encode(ImageIndex(manifests: [manifestDescriptor])).write(to: URL(fileURLWithPath: layout + "/index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: URL(fileURLWithPath: layout + "/oci-layout"))
        return ImageFixture(layout: layout, manifest: manifestDescriptor, config: configDescriptor, layers: layers)
    }

    /// The same image as an `oci-archive` tarball.
    func ociArchive(at path: String) throws {
        let writer = try ArchiveWriter(path: path)
        try writer.addFile(at: layout + "/oci-layout", as: "oci-layout")
        try writer.addFile(at: layout + "/index.json", as: "index.json")
        for name in try FileManager.default.contentsOfDirectory(atPath: layout + "/blobs/sha256") {
            try writer.addFile(at: layout + "/blobs/sha256/" + name, as: ArchivePath("blobs/sha256/" + name))
        }
        try writer.finish()
    }

    /// The same image as a `docker save` tarball (uncompressed layers, as Docker writes them).
    func dockerArchive(at path: String, tag: String, scratch: String) throws {
        let writer = try ArchiveWriter(path: path)
        var layerNames: [String] = []
        for (index, layer) in layers.enumerated() {
            let tar = scratch + "/docker-layer-\(index).tar"
            try run("/bin/sh", ["-c", "gzip -dc < '\(layer.blobPath)' > '\(tar)' 2>/dev/null || cp '\(layer.blobPath)' '\(tar)'"])
            let name = "\(layer.diffID.encoded)/layer.tar"
            try writer.add(ArchiveEntry(path: ArchivePath(layer.diffID.encoded), kind: .directory, permissions: 0o755))
            try writer.addFile(at: tar, as: ArchivePath(name))
            layerNames.append(name)
        }
        try writer.addFile(at: layout + "/blobs/sha256/" + config.digest.encoded, as: ArchivePath(config.digest.encoded + ".json"))
        let manifest = [DockerArchiveManifest(config: config.digest.encoded + ".json", repoTags: [tag], layers: layerNames)]
        let data = try JSONEncoder().encode(manifest)
        try writer.add(ArchiveEntry(path: "manifest.json", kind: .regular, size: Int64(data.count)), data: [UInt8](data))
        try writer.finish()
    }
}

/// Shorthand for tar entries in tests.
func file(_ path: String, _ text: String, mode: mode_t = 0o644, uid: uid_t = 0, gid: gid_t = 0) -> (ArchiveEntry, [UInt8]) {
    (ArchiveEntry(path: ArchivePath(path), kind: .regular, permissions: mode, uid: uid, gid: gid, modificationSeconds: 1_700_000_000), Array(text.utf8))
}

func dir(_ path: String, mode: mode_t = 0o755) -> (ArchiveEntry, [UInt8]) {
    (ArchiveEntry(path: ArchivePath(path), kind: .directory, permissions: mode, modificationSeconds: 1_600_000_000), [])
}

func symlink(_ path: String, to target: String) -> (ArchiveEntry, [UInt8]) {
    (ArchiveEntry(path: ArchivePath(path), kind: .symbolicLink, permissions: 0o777, symlinkTarget: ArchivePath(target)), [])
}

func hardlink(_ path: String, to target: String) -> (ArchiveEntry, [UInt8]) {
    (ArchiveEntry(path: ArchivePath(path), kind: .regular, hardlinkTarget: ArchivePath(target)), [])
}
