import Foundation
import LaminaImage
import LaminaLazy
import LaminaSystem

/// The images the lazy-pull benchmark serves: `bench:all` (files of random bytes adding up to the
/// configured size, the large file among them, and `etc/message`, what the command reads) and
/// `bench:large` (the large file alone), both converted to zstd:chunked.
///
/// Namespace of functions.
enum LazyBenchImage {
    /// What the command reads and prints.
    static let message = "hello from a lazily pulled image\n"

    static func make(store: ImageStore, work: String, configuration: LazyPullBenchmark.Configuration) throws {
        var generator = SeededGenerator(seed: 11)
        let large = randomBytes(configuration.largeFileBytes, &generator)
        // busybox-static as the image's shell and cat, so a container can read its files.
        guard let busybox = FileManager.default.contents(atPath: "/bin/busybox") else {
            throw LazyBenchmarkFailure("the image needs /bin/busybox (apt-get install -y busybox-static)")
        }
        let shell = [("bin/busybox", [UInt8](busybox))]
        var files: [(String, [UInt8])] = shell + [("etc/message", Array(message.utf8)), ("data/large", large)]
        var remaining = max(0, configuration.dataBytes - configuration.largeFileBytes)
        var number = 0
        while remaining > 0 {
            let size = min(remaining, 10_000_000)
            files.append(("data/blob-\(number)", randomBytes(size, &generator)))
            remaining -= size
            number += 1
        }
        try image(store: store, work: work, name: "bench:all-source", files: files)
        try image(store: store, work: work, name: "bench:large-source", files: shell + [("data/large", large)])
        for name in ["all", "large"] {
            try store.convert("bench:\(name)-source", to: "bench:\(name)", format: .zstdChunked)
        }
    }

    /// Pushes `name` from the store (an OCI layout) to `destination` with skopeo, unthrottled.
    static func push(_ store: ImageStore, _ name: String, to destination: String) throws {
        let result = try ChildProcess.run(
            "/usr/bin/skopeo", ["copy", "-q", "--dest-tls-verify=false", "oci:\(store.root):\(name)", "docker://\(destination)"])
        guard result.exitCode == 0 else { throw LazyBenchmarkFailure("skopeo copy \(name): \(result.errorOutput)") }
    }

    /// An uncompressed one-layer image of `files` (with their directories) written as an OCI layout
    /// and imported into `store` as `name`.
    static func image(store: ImageStore, work: String, name: String, files: [(String, [UInt8])]) throws {
        let layout = work + "/layout-\(name.replacingOccurrences(of: ":", with: "-"))"
        try FileManager.default.createDirectory(atPath: layout + "/blobs/sha256", withIntermediateDirectories: true)
        let tar = layout + "/layer.tar"
        let writer = try ArchiveWriter(path: tar)
        for directory in Set(files.map { ($0.0 as NSString).deletingLastPathComponent }).sorted() {
            try writer.add(ArchiveEntry(path: ArchivePath(directory), kind: .directory, permissions: 0o755, modificationSeconds: 1_700_000_000))
        }
        for (path, bytes) in files {
            let permissions: mode_t = path == "bin/busybox" ? 0o755 : 0o644
            try writer.add(
                ArchiveEntry(path: ArchivePath(path), kind: .regular, permissions: permissions, size: Int64(bytes.count), modificationSeconds: 1_700_000_000),
                data: bytes)
        }
        if files.contains(where: { $0.0 == "bin/busybox" }) {
            for tool in ["sh", "cat", "wc", "head"] {
                try writer.add(ArchiveEntry(
                    path: ArchivePath("bin/" + tool), kind: .symbolicLink, permissions: 0o777, modificationSeconds: 1_700_000_000,
                    symlinkTarget: ArchivePath("busybox")))
            }
        }
        try writer.finish()
        let layer = try blob(atPath: tar, in: layout, type: MediaType.ociLayer)
        let config = try ImageStore.encoder.encode(ImageConfig(
            platform: .host, config: .object(["Cmd": .array([.string("/bin/cat"), .string("/etc/message")])]),
            diffIDs: [layer.digest], history: [], created: "2026-01-01T00:00:00Z"))
        let configDescriptor = try blob(config, in: layout, type: MediaType.ociConfig)
        let manifest = try ImageStore.encoder.encode(ImageManifest(config: configDescriptor, layers: [layer]))
        var manifestDescriptor = try blob(manifest, in: layout, type: MediaType.ociManifest)
        manifestDescriptor.annotations = [Descriptor.refNameAnnotation: name]
        try ImageStore.encoder.encode(ImageIndex(manifests: [manifestDescriptor])).write(to: URL(fileURLWithPath: layout + "/index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: URL(fileURLWithPath: layout + "/oci-layout"))
        try store.importLayout(at: layout)
    }

    private static func blob(atPath path: String, in layout: String, type: String) throws -> Descriptor {
        let digest = try ImageStore.hashFile(path)
        let size = ImageStore.fileSize(path) ?? 0
        try FileManager.default.moveItem(atPath: path, toPath: layout + "/blobs/sha256/" + digest.encoded)
        return Descriptor(mediaType: type, digest: digest, size: size)
    }

    private static func blob(_ data: Data, in layout: String, type: String) throws -> Descriptor {
        let digest = Digest.of(data)
        try data.write(to: URL(fileURLWithPath: layout + "/blobs/sha256/" + digest.encoded))
        return Descriptor(mediaType: type, digest: digest, size: Int64(data.count))
    }

    private static func randomBytes(_ count: Int, _ generator: inout SeededGenerator) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset + 8 <= count {
                raw.storeBytes(of: generator.next(), toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            while offset < count {
                raw[offset] = UInt8(truncatingIfNeeded: generator.next())
                offset += 1
            }
        }
        return bytes
    }
}
