import Foundation
import Testing
@testable import LaminaImage

/// One hostile layer: how to build it, and the words its error must contain.
struct HostileCase: CustomTestStringConvertible, Sendable {
    var name: String
    var expected: String
    /// Builds the layer fixture in `directory`; `outside` is a directory beside the store that must not change.
    var build: @Sendable (_ directory: String, _ outside: String) throws -> LayerFixture
    var testDescription: String { name }
}

let hostileCases: [HostileCase] = [
    HostileCase(name: "dot-dot path", expected: "refused archive entry '../escaped'") { dir, _ in
        try LayerFixture.make([file("../escaped", "x")], in: dir)
    },
    HostileCase(name: "dot-dot inside a path", expected: "path leaves the layer") { dir, _ in
        try LayerFixture.make([file("a/../../escaped", "x")], in: dir)
    },
    HostileCase(name: "absolute path", expected: "absolute path") { dir, outside in
        try LayerFixture.make([file(outside + "/planted", "x")], in: dir)
    },
    HostileCase(name: "file through a symlink", expected: "refused archive entry 'link/planted'") { dir, outside in
        try LayerFixture.make([symlink("link", to: outside), file("link/planted", "x")], in: dir)
    },
    HostileCase(name: "file through a relative symlink", expected: "is not a directory") { dir, _ in
        try LayerFixture.make([symlink("up", to: "../../.."), file("up/tmp/planted", "x")], in: dir)
    },
    HostileCase(name: "hard link outside", expected: "refused archive entry 'stolen'") { dir, _ in
        try LayerFixture.make([hardlink("stolen", to: "../../../etc/passwd")], in: dir)
    },
    HostileCase(name: "hard link to an absolute path", expected: "absolute path") { dir, _ in
        try LayerFixture.make([hardlink("stolen", to: "/etc/passwd")], in: dir)
    },
    HostileCase(name: "hard link through a symlink", expected: "not an earlier file in this layer") { dir, _ in
        try LayerFixture.make([symlink("etc", to: "/etc"), hardlink("stolen", to: "etc/passwd")], in: dir)
    },
    HostileCase(name: "duplicate entry", expected: "refused archive entry 'twice': duplicate entry") { dir, _ in
        try LayerFixture.make([file("twice", "one"), file("twice", "two")], in: dir)
    },
    HostileCase(name: "file replacing a directory", expected: "duplicate entry") { dir, _ in
        try LayerFixture.make([file("d/inner", "x"), file("d", "y")], in: dir)
    },
    HostileCase(name: "absurd size", expected: "exceeds the limit") { dir, _ in
        let tar = dir + "/absurd.tar"
        try Data(RawTar.claimingSize(name: "huge", size: 1 << 50)).write(to: URL(fileURLWithPath: tar))
        return try LayerFixture.make(tarAt: tar, compression: .gzip)
    },
    HostileCase(name: "truncated compression", expected: "archive") { dir, _ in
        var layer = try LayerFixture.make([file("big", String(repeating: "lamina ", count: 50_000))], in: dir)
        let data = try Data(contentsOf: URL(fileURLWithPath: layer.blobPath))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: layer.blobPath))
        layer.descriptor = Descriptor(mediaType: layer.descriptor.mediaType, digest: try ImageStore.hashFile(layer.blobPath), size: Int64(data.count / 2))
        return layer
    },
    HostileCase(name: "corrupt compression", expected: "archive") { dir, _ in
        var layer = try LayerFixture.make([file("big", String(repeating: "lamina ", count: 50_000))], in: dir)
        var data = try Data(contentsOf: URL(fileURLWithPath: layer.blobPath))
        for index in stride(from: 20, to: data.count - 8, by: 7) { data[index] ^= 0x5a }
        try data.write(to: URL(fileURLWithPath: layer.blobPath))
        layer.descriptor = Descriptor(mediaType: layer.descriptor.mediaType, digest: try ImageStore.hashFile(layer.blobPath), size: Int64(data.count))
        return layer
    },
]

@Suite struct HostileArchiveTests {
    /// Each attack is refused with an error naming it; nothing outside the layer changes and
    /// nothing is added to the store.
    @Test(arguments: hostileCases)
    func refusesHostileLayer(_ hostile: HostileCase) throws {
        let temp = TemporaryDirectory()
        let outside = temp.sub("outside")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/existing"))
        let before = try treeListing(outside)
        let good = try LayerFixture.make([file("base", "base")], in: temp.sub("layers"))
        let layer = try hostile.build(temp.sub("layers"), outside)
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "hostile:1", layers: [good, layer])
        let store = try ImageStore(root: temp.sub("store"))

        #expect {
            try store.importLayout(at: image.layout)
        } throws: { error in
            "\(error)".contains(hostile.expected)
        }
        #expect(try treeListing(outside) == before)
        try expectEmpty(store)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/planted"))
    }

    @Test func missingBlobIsRefused() throws {
        let temp = TemporaryDirectory()
        let layer = try LayerFixture.make([file("a", "a")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "missing:1", layers: [layer])
        try FileManager.default.removeItem(atPath: image.layout + "/blobs/sha256/" + layer.descriptor.digest.encoded)
        let store = try ImageStore(root: temp.sub("store"))
        #expect(throws: ImageError.missingBlob(layer.descriptor.digest)) { try store.importLayout(at: image.layout) }
        try expectEmpty(store)
    }

    @Test func blobLargerThanItsDescriptorIsRefused() throws {
        let temp = TemporaryDirectory()
        let layer = try LayerFixture.make([file("a", "a")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "big:1", layers: [layer]) { manifest in
            manifest.layers[0].size -= 10
        }
        let store = try ImageStore(root: temp.sub("store"))
        #expect { try store.importLayout(at: image.layout) } throws: { "\($0)".contains("size mismatch") }
        try expectEmpty(store)
    }

    @Test func oversizedConfigDescriptorIsRefused() throws {
        let temp = TemporaryDirectory()
        let layer = try LayerFixture.make([file("a", "a")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "huge:1", layers: [layer]) { manifest in
            manifest.config.size = 1 << 40
        }
        let store = try ImageStore(root: temp.sub("store"))
        #expect { try store.importLayout(at: image.layout) } throws: { "\($0)".contains("too large") }
        try expectEmpty(store)
    }

    @Test func tamperedLayerIsRefused() throws {
        let temp = TemporaryDirectory()
        let layer = try LayerFixture.make([file("a", "a")], in: temp.sub("layers"))
        let other = try LayerFixture.make([file("a", "b")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "tampered:1", layers: [layer])
        let target = image.layout + "/blobs/sha256/" + layer.descriptor.digest.encoded
        try FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: other.blobPath, toPath: target)
        let store = try ImageStore(root: temp.sub("store"))
        #expect { try store.importLayout(at: image.layout) } throws: { error in
            guard case .digestMismatch = error as? ImageError else { return false }
            return true
        }
        try expectEmpty(store)
    }

    @Test func wrongDiffIDIsRefused() throws {
        let temp = TemporaryDirectory()
        let layer = try LayerFixture.make([file("a", "a")], in: temp.sub("layers"))
        let other = try LayerFixture.make([file("a", "b")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "diffid:1", layers: [layer], diffIDs: [other.diffID])
        let store = try ImageStore(root: temp.sub("store"))
        #expect { try store.importLayout(at: image.layout) } throws: { "\($0)".contains("against its diff id") }
        try expectEmpty(store)
    }

    private func expectEmpty(_ store: ImageStore) throws {
        #expect(try store.images().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/blobs/sha256").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/layers/sha256").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/staging").isEmpty)
    }
}
