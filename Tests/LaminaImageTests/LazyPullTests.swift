import Foundation
import LaminaLayerIndex
import LaminaSystem
import Testing
@testable import LaminaImage
@testable import LaminaLazy

/// Lazy pulls from Debian's docker-registry on 127.0.0.1: images converted by `lamina image
/// convert` (both formats) and by skopeo (zstd:chunked), read file by file and compared with a
/// full pull; a corrupt blob in the registry's storage and a stopped registry are EIO within the
/// retry budget; two readers of one file share one fetch.
@Suite(.serialized, .enabled(if: LocalRegistry.available, "needs docker-registry, skopeo and curl"))
struct LazyPullTests {
    /// A registry serving the fixture layer converted to `format` as `lamina/lazy:1`.
    struct Served {
        let temp = TemporaryDirectory()
        let registry: LocalRegistry
        let name: String
        let layer: Descriptor
        let source: ImageStore

        init(_ format: ConversionFormat) async throws {
            registry = try LocalRegistry()
            source = try ImageStore(root: temp.sub("source"))
            let fixture = try lazyFixtureLayer(in: temp.sub("layers"))
            try source.importLayout(at: try ImageFixture.make(at: temp.sub("layout"), name: "kinds:1", layers: [fixture]).layout)
            try source.convert("kinds:1", to: "kinds:lazy", format: format, chunkSize: 1 << 16)
            // lamina image push keeps the layer descriptors' annotations (they locate the TOC).
            name = "\(registry.address)/lamina/lazy:1"
            try await source.push("kinds:lazy", to: name, insecure: true)
            layer = try source.details(try source.resolve("kinds:lazy")).manifest.layers[0]
        }
    }

    @Test(arguments: ConversionFormat.allCases)
    func pullsLazilyAndReadsAsAFullPull(_ format: ConversionFormat) async throws {
        let served = try await Served(format)
        let store = try ImageStore(root: served.temp.sub("lazy"))
        let record = try await store.pullLazily(served.name, insecure: true)
        let pulledLayer = try store.details(record).manifest.layers[0]
        #expect(pulledLayer.annotations == served.layer.annotations)
        #expect(store.lazyLayerState(pulledLayer.digest) == .incomplete)
        #expect(!FileManager.default.fileExists(atPath: store.blobPath(pulledLayer.digest)))
        #expect(served.registry.blobDownloads(pulledLayer.digest.description) == 0)
        let before = try store.layerProgress(for: served.name)[0]
        #expect(before.localBytes == 0 && before.state == .incomplete)

        let full = try ImageStore(root: served.temp.sub("full"))
        let fullRecord = try await full.pull(served.name, insecure: true)
        let diffID = try full.details(fullRecord).config.rootfs.diffIDs[0]
        let log = CapturedLog()
        let lazy = try #require(try store.lazyLayers(for: served.name, logger: log.logger).first ?? nil)
        try expectSameLayer(lazy, as: full.layerPath(diffID), treeIndex: try LayerIndex(path: try full.layerIndex(for: diffID)))
        #expect(log.errorLines.isEmpty)
        #expect(try store.layerProgress(for: served.name)[0].localBytes > 0)

        // Completing the layer fetches the rest, verifies it and keeps the blob like a full pull.
        #expect(try store.completeLazyLayers(for: served.name, logger: log.logger) == [.complete])
        #expect(try store.layerProgress(for: served.name)[0].localBytes == UInt64(pulledLayer.size))
        #expect(try ImageStore.hashFile(store.blobPath(pulledLayer.digest)) == pulledLayer.digest)
        try store.export(served.name, to: served.temp.path + "/export.tar")
    }

    /// A blob corrupted in the registry's storage: the read is EIO with an error line, never other
    /// bytes; files whose bytes are intact are still served; the completed layer is refused.
    @Test func aBlobCorruptInTheRegistryIsEIO() async throws {
        let served = try await Served(.zstdChunked)
        let store = try ImageStore(root: served.temp.sub("lazy"))
        try await store.pullLazily(served.name, insecure: true)
        let log = CapturedLog()
        let policy = RetryPolicy(attempts: 2, firstDelay: 0.05, requestTimeout: 5)
        let lazy = try #require(try store.lazyLayers(for: served.name, policy: policy, logger: log.logger).first ?? nil)
        let data = try #require(lazy.index.directory(at: ["data"]))
        let big = try #require(lazy.index.lookup("big", in: data)?.file)
        guard case .chunks(let chunks, _) = lazy.index.content(of: big) else { Issue.record("no chunks"); return }
        let stored = try FileDescriptor.open(served.registry.blobDataPath(served.layer.digest), flags: O_RDWR)
        let target = off_t(chunks[2].compressedOffset + 10)
        try stored.write([try stored.read(count: 1, at: target)[0] ^ 0x55], at: target)
        stored.close()

        do {
            let descriptor = try lazy.contentDescriptor(of: big)
            descriptor.close()
            Issue.record("corrupt bytes were served")
        } catch {
            #expect(error.errno == EIO)
        }
        #expect(log.errorLines.count == 1)
        let small = try #require(lazy.index.lookup("small-1", in: data)?.file)
        let descriptor = try lazy.contentDescriptor(of: small)
        #expect(try descriptor.read(count: 64, at: 0) == Array("small file 1\n".utf8))
        descriptor.close()
        #expect(try lazy.prefetch(store: store) != .complete)
        #expect(throws: ImageError.self) { try store.export(served.name, to: served.temp.path + "/export.tar") }
        await #expect(throws: ImageError.self) { try await store.push(served.name, to: served.name + "-again", insecure: true) }
    }

    /// The registry stops: a read not yet fetched is EIO within the retry budget; what was fetched
    /// stays readable.
    @Test func aStoppedRegistryIsEIOWithinTheRetryBudget() async throws {
        try await Self.expectUnfetchedReadFails(.estargz, policy: RetryPolicy(attempts: 3, firstDelay: 0.1, requestTimeout: 2)) {
            $0.stop()
        }
    }

    /// The registry stalls: its port still accepts connections but nothing answers (a stopped
    /// registry replaced by a listener that never replies). A read not yet fetched is EIO within
    /// the retry budget, not a hang; what was fetched stays readable.
    @Test func aStalledRegistryIsEIOWithinTheRetryBudget() async throws {
        var silent: SilentListener?
        defer { silent?.stop() }
        try await Self.expectUnfetchedReadFails(.zstdChunked, policy: RetryPolicy(attempts: 2, firstDelay: 0.1, requestTimeout: 2)) {
            $0.stop()
            silent = try SilentListener(address: $0.address)
        }
        #expect((silent?.accepted ?? 0) > 0, "fixture: the reads reached the silent listener")
    }

    /// Pulls lazily, reads one small file, lets `fail` break the registry, and then: a read of a
    /// file not yet fetched is EIO within `policy`'s budget with one error line, and the small
    /// file still reads.
    static func expectUnfetchedReadFails(
        _ format: ConversionFormat, policy: RetryPolicy, fail: (LocalRegistry) throws -> Void
    ) async throws {
        let served = try await Served(format)
        let store = try ImageStore(root: served.temp.sub("lazy"))
        try await store.pullLazily(served.name, insecure: true)
        let log = CapturedLog()
        let lazy = try #require(try store.lazyLayers(for: served.name, policy: policy, logger: log.logger).first ?? nil)
        let data = try #require(lazy.index.directory(at: ["data"]))
        let small = try #require(lazy.index.lookup("small-2", in: data)?.file)
        try lazy.contentDescriptor(of: small).close()
        try fail(served.registry)
        let big = try #require(lazy.index.lookup("big", in: data)?.file)
        let start = ContinuousClock.now
        #expect(throws: SystemError.self) { try lazy.contentDescriptor(of: big) }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(policy.budget + 2), "took \(elapsed)")
        #expect(log.errorLines.count == 1)
        let again = try lazy.contentDescriptor(of: small)
        #expect(try again.read(count: 64, at: 0) == Array("small file 2\n".utf8))
        again.close()
    }

    /// Two readers (two mounts of one image) asking for one file at once: one fetch.
    @Test func twoMountsShareOneFetch() async throws {
        let served = try await Served(.zstdChunked)
        let store = try ImageStore(root: served.temp.sub("lazy"))
        try await store.pullLazily(served.name, insecure: true)
        let log = CapturedLog()
        let first = try #require(try store.lazyLayers(for: served.name, logger: log.logger).first ?? nil)
        let second = try #require(try store.lazyLayers(for: served.name, logger: log.logger).first ?? nil)
        let data = try #require(first.index.directory(at: ["data"]))
        let big = try #require(first.index.lookup("big", in: data)?.file)
        let requestsBefore = served.registry.blobRangeRequests(served.layer.digest.description)
        let all = await withTaskGroup(of: [UInt8].self) { group in
            for reader in 0..<8 {
                let layer = reader % 2 == 0 ? first : second
                group.addTask {
                    await Self.onThread {
                        guard let descriptor = try? layer.contentDescriptor(of: big) else { return [UInt8]() }
                        defer { descriptor.close() }
                        return (try? descriptor.read(count: 400_000, at: 0)) ?? []
                    }
                }
            }
            var collected: [[UInt8]] = []
            for await bytes in group { collected.append(bytes) }
            return collected
        }
        #expect(all.count == 8 && Set(all).count == 1 && all[0].count == 300_000)
        #expect(served.registry.blobRangeRequests(served.layer.digest.description) - requestsBefore == 1)
    }

    /// Runs blocking work off the cooperative pool.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }
}

/// skopeo's zstd:chunked images: pulled lazily and in full, the same layer; the config's diff id
/// (of the original tar, which skopeo keeps) is accepted because the stream differs only by the
/// tar's trailing zero padding.
@Suite(.serialized, .enabled(if: LocalRegistry.available, "needs docker-registry, skopeo and curl"))
struct SkopeoZstdChunkedTests {
    @Test func skopeoImagesPullLazilyAndInFull() async throws {
        let temp = TemporaryDirectory()
        let registry = try LocalRegistry()
        let fixture = try lazyFixtureLayer(in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "kinds", layers: [fixture])
        try registry.push("oci:\(image.layout):kinds", as: "lamina/skopeo:1", arguments: ["--dest-compress-format", "zstd:chunked"])
        let name = "\(registry.address)/lamina/skopeo:1"

        let full = try ImageStore(root: temp.sub("full"))
        let record = try await full.pull(name, insecure: true)
        let details = try full.details(record)
        let layer = details.manifest.layers[0]
        #expect(LazyFormat(layer)?.description == "zstd:chunked")
        #expect(details.config.rootfs.diffIDs[0] == fixture.diffID)

        let store = try ImageStore(root: temp.sub("lazy"))
        try await store.pullLazily(name, insecure: true)
        let log = CapturedLog()
        let lazy = try #require(try store.lazyLayers(for: name, logger: log.logger).first ?? nil)
        try expectSameLayer(lazy, as: full.layerPath(fixture.diffID), treeIndex: try LayerIndex(path: try full.layerIndex(for: fixture.diffID)))
        #expect(try lazy.prefetch(store: store) == .complete)
        #expect(log.errorLines.isEmpty)
    }
}

/// Images `lamina image convert` writes are ordinary images to other tools: podman pulls the
/// zstd:chunked one from a registry and runs it.
@Suite(.serialized, .enabled(if: PrivatePodman.available && LocalRegistry.available, "needs root, podman, skopeo and docker-registry"))
struct ConvertedImageInteropTests {
    @Test(arguments: ConversionFormat.allCases)
    func podmanPullsAndRunsTheConvertedImage(_ format: ConversionFormat) throws {
        let temp = TemporaryDirectory()
        let registry = try LocalRegistry()
        let busybox = try busyboxLayer(in: temp.sub("layers"))
        let note = try LayerFixture.make([dir("etc"), file("etc/note", "converted by lamina\n")], in: temp.sub("layers"))
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: try ImageFixture.make(at: temp.sub("layout"), name: "app:1", layers: [busybox, note]).layout)
        try store.convert("app:1", to: "app:lazy", format: format)
        try registry.push("oci:\(store.root):app:lazy", as: "lamina/app:lazy")
        let podman = PrivatePodman(root: temp.sub("podman"))
        try podman("pull", "--tls-verify=false", "\(registry.address)/lamina/app:lazy")
        #expect(try podman.runContainer("\(registry.address)/lamina/app:lazy", "/bin/cat", "/etc/note") == "converted by lamina\n")
    }
}
