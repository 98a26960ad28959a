import Foundation
import Synchronization
import Testing
@testable import LaminaImage

@Suite(.serialized, .enabled(if: LocalRegistry.available, "needs docker-registry, skopeo and curl"))
struct RegistryTests {
    /// A pulled image equals the imported one; a second image on the same base downloads only its
    /// own layer.
    @Test func pullsAndSkipsLayersAlreadyStored() async throws {
        let temp = TemporaryDirectory()
        let registry = try LocalRegistry()
        let base = try everyKindLayer(in: temp.sub("layers"))
        let top = try LayerFixture.make([file("top", "top")], in: temp.sub("layers"), compression: .zstd)
        let other = try LayerFixture.make([file("other", "other")], in: temp.sub("layers"), compression: .none)
        let first = try ImageFixture.make(at: temp.sub("first"), name: "first", layers: [base, top])
        let second = try ImageFixture.make(at: temp.sub("second"), name: "second", layers: [base, other])
        try registry.push("oci:\(first.layout):first", as: "lamina/first:1")
        try registry.push("oci:\(second.layout):second", as: "lamina/second:1")

        let store = try ImageStore(root: temp.sub("store"))
        let record = try await store.pull("\(registry.address)/lamina/first:1", insecure: true)
        #expect(record.name == "\(registry.address)/lamina/first:1")
        let reference = try ImageStore(root: temp.sub("reference"))
        try reference.importLayout(at: first.layout)
        var pulled: [String] = []
        for directory in try store.layerDirectories(for: record.name ?? "") { pulled += try treeListing(directory) }
        var imported: [String] = []
        for directory in try reference.layerDirectories(for: "first") { imported += try treeListing(directory) }
        #expect(pulled == imported)

        let secondRecord = try await store.pull("\(registry.address)/lamina/second:1", insecure: true)
        #expect(registry.blobDownloads(base.descriptor.digest.description) == 1)
        // skopeo compressed the uncompressed layer on push: ask the store what the registry served.
        let secondTop = try store.details(secondRecord).manifest.layers[1].digest
        #expect(secondTop != other.descriptor.digest)
        #expect(registry.blobDownloads(secondTop.description) == 1)
        #expect(try store.layerDirectories(for: "\(registry.address)/lamina/second:1").count == 2)
    }

    /// Pull progress moves with the bytes inside a layer, not only between layers.
    @Test func progressMovesWithinALayer() async throws {
        let temp = TemporaryDirectory()
        let registry = try LocalRegistry()
        var noise = SystemRandomNumberGenerator()
        let bytes = (0..<(8 << 20) / 8).flatMap { _ in withUnsafeBytes(of: noise.next() as UInt64) { Array($0) } }
        let layer = try LayerFixture.make([(ArchiveEntry(path: "noise", kind: .regular, permissions: 0o644), bytes)], in: temp.sub("layers"), compression: .none)
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "big", layers: [layer])
        try registry.push("oci:\(image.layout):big", as: "lamina/big:1")
        let seen = Mutex<[ImportProgress]>([])
        let store = try ImageStore(root: temp.sub("store"))
        let record = try await store.pull("\(registry.address)/lamina/big:1") { progress in seen.withLock { $0.append(progress) } }
        let downloads = seen.withLock { $0 }.filter { $0.message.hasPrefix("downloading") }
        // What the registry served (skopeo may have compressed the layer on push).
        let size = try store.details(record).manifest.layers[0].size
        #expect(size > 4 << 20)
        #expect(downloads.contains { $0.bytesDone > 0 && $0.bytesDone < size }, "\(downloads.map(\.bytesDone))")
        #expect(downloads.map(\.bytesDone) == downloads.map(\.bytesDone).sorted())
        #expect(downloads.last?.bytesDone == size)
    }

    /// An index with two platforms: the host's by default, another with `platform`.
    @Test func picksPlatformFromIndex() async throws {
        let temp = TemporaryDirectory()
        let registry = try LocalRegistry()
        let amd = try LayerFixture.make([file("arch", "amd64")], in: temp.sub("layers"))
        let arm = try LayerFixture.make([file("arch", "arm64")], in: temp.sub("layers"))
        let layout = temp.sub("multi")
        let hostImage = try ImageFixture.make(at: layout, name: nil, layers: [amd])
        var armImage = try ImageFixture.make(at: temp.sub("arm"), name: nil, layers: [arm])
        armImage = try Self.retarget(armImage, to: Platform(os: "linux", architecture: "arm64", variant: "v8"), into: layout)
        var hostEntry = hostImage.manifest
        hostEntry.platform = .host
        hostEntry.annotations = nil
        var armEntry = armImage.manifest
        armEntry.platform = Platform(os: "linux", architecture: "arm64", variant: "v8")
        let indexData = try ImageStore.encoder.encode(ImageIndex(manifests: [hostEntry, armEntry]))
        let indexDigest = Digest.of(indexData)
        try indexData.write(to: URL(fileURLWithPath: layout + "/blobs/sha256/" + indexDigest.encoded))
        let top = Descriptor(
            mediaType: MediaType.ociIndex, digest: indexDigest, size: Int64(indexData.count),
            annotations: [Descriptor.refNameAnnotation: "multi"])
        try ImageStore.encoder.encode(ImageIndex(manifests: [top])).write(to: URL(fileURLWithPath: layout + "/index.json"))
        try registry.push("oci:\(layout):multi", as: "lamina/multi:1", arguments: ["--all"])

        let store = try ImageStore(root: temp.sub("store"))
        let name = "\(registry.address)/lamina/multi:1"
        try await store.pull(name, insecure: true)
        #expect(FileManager.default.contents(atPath: try store.layerDirectories(for: name)[0] + "/arch") == Data("amd64".utf8))
        try await store.pull(name, platform: Platform(os: "linux", architecture: "arm64"), insecure: true)
        #expect(FileManager.default.contents(atPath: try store.layerDirectories(for: name)[0] + "/arch") == Data("arm64".utf8))
        await #expect(throws: ImageError.noMatchingPlatform("linux/s390x")) {
            try await store.pull(name, platform: Platform(os: "linux", architecture: "s390x"), insecure: true)
        }
    }

    /// Docker schema 2 manifests (as `skopeo --format v2s2` pushes them) are pulled and kept as OCI.
    @Test func pullsDockerMediaTypes() async throws {
        let temp = TemporaryDirectory()
        let registry = try LocalRegistry()
        let layer = try LayerFixture.make([file("docker", "v2s2")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "d", layers: [layer])
        try registry.push("oci:\(image.layout):d", as: "lamina/docker:1", arguments: ["--format", "v2s2"])
        let store = try ImageStore(root: temp.sub("store"))
        let record = try await store.pull("\(registry.address)/lamina/docker:1", insecure: true)
        #expect(record.manifest.mediaType == MediaType.ociManifest)
        let details = try store.details(record)
        #expect(details.manifest.layers[0].mediaType == MediaType.ociLayerGzip)
        #expect(FileManager.default.contents(atPath: try store.layerDirectories(for: record.name ?? "")[0] + "/docker") == Data("v2s2".utf8))
    }

    /// A registry behind htpasswd: refused without credentials or with wrong ones, pulled with the right ones.
    @Test(.enabled(if: LocalRegistry.htpasswdAvailable, "needs htpasswd (apache2-utils)")) func basicAuth() async throws {
        let temp = TemporaryDirectory()
        let registry = try LocalRegistry(htpasswd: ("alice", "s3cret"))
        let layer = try LayerFixture.make([file("secret", "data")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "p", layers: [layer])
        try registry.push("oci:\(image.layout):p", as: "lamina/private:1", arguments: ["--dest-creds", "alice:s3cret"])
        let store = try ImageStore(root: temp.sub("store"))
        let name = "\(registry.address)/lamina/private:1"
        await #expect { try await store.pull(name, insecure: true) } throws: { "\($0)".contains("authentication required") }
        await #expect { try await store.pull(name, insecure: true, credentials: RegistryCredentials(username: "alice", password: "wrong")) } throws: {
            "\($0)".contains("refused")
        }
        try await store.pull(name, insecure: true, credentials: RegistryCredentials(username: "alice", password: "s3cret"))
        #expect(try store.images().count == 1)
    }

    /// A registry that wants a bearer token from its realm: the client fetches one with its
    /// credentials and pulls.
    @Test(.enabled(if: TokenServer.available, "needs openssl and python3")) func bearerTokenAuth() async throws {
        let temp = TemporaryDirectory()
        let tokens = try TokenServer(user: "bob", password: "t0ken")
        let registry = try LocalRegistry(token: tokens)
        let layer = try LayerFixture.make([file("token", "bearer")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "t", layers: [layer])
        try registry.push("oci:\(image.layout):t", as: "lamina/token:1", arguments: ["--dest-creds", "bob:t0ken"])
        let store = try ImageStore(root: temp.sub("store"))
        let name = "\(registry.address)/lamina/token:1"
        await #expect { try await store.pull(name, insecure: true) } throws: { "\($0)".contains("access denied") }
        let record = try await store.pull(name, insecure: true, credentials: RegistryCredentials(username: "bob", password: "t0ken"))
        #expect(FileManager.default.contents(atPath: try store.layerDirectories(for: record.name ?? "")[0] + "/token") == Data("bearer".utf8))
    }

    /// Re-targets a one-image layout's config to `platform` and copies its blobs into `layout`.
    static func retarget(_ image: ImageFixture, to platform: Platform, into layout: String) throws -> ImageFixture {
        var config = try JSONDecoder().decode(ImageConfig.self, from: Data(contentsOf: URL(fileURLWithPath: image.layout + "/blobs/sha256/" + image.config.digest.encoded)))
        config.architecture = platform.architecture
        config.variant = platform.variant
        let configData = try ImageStore.encoder.encode(config)
        let configDescriptor = Descriptor(mediaType: MediaType.ociConfig, digest: Digest.of(configData), size: Int64(configData.count))
        let manifest = ImageManifest(config: configDescriptor, layers: image.layers.map(\.descriptor))
        let manifestData = try ImageStore.encoder.encode(manifest)
        let manifestDescriptor = Descriptor(mediaType: MediaType.ociManifest, digest: Digest.of(manifestData), size: Int64(manifestData.count))
        let blobs = layout + "/blobs/sha256/"
        try configData.write(to: URL(fileURLWithPath: blobs + configDescriptor.digest.encoded))
        try manifestData.write(to: URL(fileURLWithPath: blobs + manifestDescriptor.digest.encoded))
        for layer in image.layers where !FileManager.default.fileExists(atPath: blobs + layer.descriptor.digest.encoded) {
            try FileManager.default.copyItem(atPath: layer.blobPath, toPath: blobs + layer.descriptor.digest.encoded)
        }
        return ImageFixture(layout: layout, manifest: manifestDescriptor, config: configDescriptor, layers: image.layers)
    }
}
