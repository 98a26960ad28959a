import Foundation
import LaminaSystem
import Testing
@testable import LaminaImage

/// Store operations from several `lamina` processes at once leave a consistent store: every name
/// resolves, every blob verifies, every layer is unpacked whole, and no staging is left.
@Suite(.serialized, .enabled(if: laminaExecutable != nil, "needs the lamina executable beside the tests"))
struct StoreConcurrencyTests {
    /// A layer big enough that an import takes a while (many files): races get a window.
    private static func busyImage(in temp: TemporaryDirectory, name: String) throws -> ImageFixture {
        var members = [dir("many")]
        for index in 0..<2000 { members.append(file("many/f\(index)", String(repeating: "\(index)", count: 64))) }
        let big = try LayerFixture.make(members, in: temp.sub("layers"))
        let small = try LayerFixture.make([file("top-\(name)", name)], in: temp.sub("layers"))
        let directory = temp.sub("layout-" + name.replacingOccurrences(of: ":", with: "-"))
        return try ImageFixture.make(at: directory, name: name, layers: [big, small])
    }

    private static func start(_ arguments: [String]) throws -> LaminaSystem.ChildProcess {
        try LaminaSystem.ChildProcess(laminaExecutable ?? "", arguments, streams: (0, 2, 2))
    }

    /// Every image resolves and verifies, every layer it names is there and complete, no staging.
    private static func expectConsistent(_ store: ImageStore, reference: ImageStore, names: [String]) throws {
        for name in names {
            let details = try store.details(try store.resolve(name))
            for (ours, theirs) in zip(try store.layerDirectories(for: name), try reference.layerDirectories(for: name)) {
                #expect(try treeListing(ours) == treeListing(theirs), "layer \(ours) is whole")
            }
            for layer in details.manifest.layers { #expect(FileManager.default.fileExists(atPath: store.blobPath(layer.digest))) }
        }
        #expect(try store.images().count == Set(try store.images().map { $0.name ?? $0.manifest.digest.description }).count, "no duplicate entries")
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/staging").isEmpty)
    }

    @Test func importsOfTheSameImageAtOnce() throws {
        let temp = TemporaryDirectory()
        let image = try Self.busyImage(in: temp, name: "same:1")
        try image.ociArchive(at: temp.path + "/same.tar")
        let reference = try ImageStore(root: temp.sub("reference"))
        try reference.importLayout(at: image.layout)
        let root = temp.sub("store")
        let children = try (0..<3).map { _ in try Self.start(["image", "import", "--store", root, temp.path + "/same.tar"]) }
        let codes = children.map { $0.wait(timeout: .seconds(300)).map(ProcessCalls.exitCode(fromWaitStatus:)) }
        #expect(codes.allSatisfy { $0 == 0 }, "every import succeeds: \(codes)")
        let store = try ImageStore(root: root)
        #expect(try store.images().compactMap(\.name) == ["same:1"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/layers/sha256").count == 2)
        try Self.expectConsistent(store, reference: reference, names: ["same:1"])
    }

    /// `image prune` over and over while an import and a pull run: both finish with their image
    /// whole, and prune removed only what nothing used (an image removed just before).
    @Test(.enabled(if: LocalRegistry.available, "needs docker-registry, skopeo and curl"))
    func pruneDuringImportAndPull() throws {
        let temp = TemporaryDirectory()
        let registry = try LocalRegistry()
        let pulled = try Self.busyImage(in: temp, name: "pulled:1")
        try registry.push("oci:\(pulled.layout):pulled:1", as: "lamina/pulled:1")
        let imported = try Self.busyImage(in: temp, name: "imported:1")
        let doomed = try ImageFixture.make(
            at: temp.sub("layout-doomed"), name: "doomed:1", layers: [try LayerFixture.make([file("doomed", "x")], in: temp.sub("layers"))])
        let reference = try ImageStore(root: temp.sub("reference"))
        try reference.importLayout(at: imported.layout)
        try reference.importLayout(at: pulled.layout)
        let pulledName = "\(registry.address)/lamina/pulled:1"
        try reference.tag("pulled:1", as: pulledName)

        let root = temp.sub("store")
        let store = try ImageStore(root: root)
        try store.importLayout(at: doomed.layout)
        try store.remove("doomed:1")
        let children = [
            try Self.start(["image", "import", "--store", root, imported.layout]),
            try Self.start(["image", "pull", "--insecure", "--store", root, pulledName]),
        ]
        var prunes = 0
        while children.contains(where: { $0.poll() == nil }) {
            let prune = try Self.start(["image", "prune", "--store", root])
            #expect(prune.wait(timeout: .seconds(120)).map(ProcessCalls.exitCode(fromWaitStatus:)) == 0)
            prunes += 1
        }
        let codes = children.map { $0.wait(timeout: .seconds(10)).map(ProcessCalls.exitCode(fromWaitStatus:)) }
        #expect(codes == [0, 0], "import and pull succeed beside \(prunes) prunes")
        try store.prune()
        try Self.expectConsistent(store, reference: reference, names: ["imported:1", pulledName])
        #expect(try store.images().compactMap(\.name).sorted() == ["imported:1", pulledName].sorted())
        let layers = try FileManager.default.contentsOfDirectory(atPath: root + "/layers/sha256").sorted()
        #expect(layers == (try FileManager.default.contentsOfDirectory(atPath: reference.root + "/layers/sha256")).sorted(), "doomed's layer is gone")
    }
}
