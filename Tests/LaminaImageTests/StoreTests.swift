import Foundation
import Testing
@testable import LaminaImage

@Suite struct StoreTests {
    /// Two images on one base: the base is stored and unpacked once; removing one image and pruning
    /// keeps the other whole and removes only what it alone used.
    @Test func sharedBaseIsStoredOnceAndSurvivesRemoval() throws {
        let temp = TemporaryDirectory()
        let base = try LayerFixture.make([dir("etc"), file("etc/os-release", "base")], in: temp.sub("layers"))
        let topA = try LayerFixture.make([file("a", "a")], in: temp.sub("layers"))
        let topB = try LayerFixture.make([file("b", "b")], in: temp.sub("layers"))
        let imageA = try ImageFixture.make(at: temp.sub("layout-a"), name: "app-a:1", layers: [base, topA])
        let imageB = try ImageFixture.make(at: temp.sub("layout-b"), name: "app-b:1", layers: [base, topB])
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: imageA.layout)
        let baseTree = store.layerPath(base.diffID)
        var before = stat()
        #expect(lstat(baseTree, &before) == 0)
        try store.importLayout(at: imageB.layout)
        var after = stat()
        #expect(lstat(baseTree, &after) == 0)
        #expect(before.st_ino == after.st_ino)  // not unpacked again
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/layers/sha256").count == 3)
        #expect(try store.layerDirectories(for: "app-a:1") == [store.layerPath(topA.diffID), baseTree])

        #expect(try store.remove("app-a:1") == ["app-a:1"])
        let report = try store.prune()
        #expect(Set(report.layers) == [topA.diffID])
        #expect(report.blobs.contains(topA.descriptor.digest) && !report.blobs.contains(base.descriptor.digest))
        #expect(throws: ImageError.imageNotFound("app-a:1")) { try store.resolve("app-a:1") }
        let directories = try store.layerDirectories(for: "app-b:1")
        #expect(directories == [store.layerPath(topB.diffID), baseTree])
        #expect(FileManager.default.contents(atPath: baseTree + "/etc/os-release") == Data("base".utf8))
        _ = try store.details(try store.resolve("app-b:1"))  // every blob still verifies
    }

    @Test func tagResolveAndRemoveByName() throws {
        let temp = TemporaryDirectory()
        let layer = try LayerFixture.make([file("x", "x")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "first", layers: [layer])
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: image.layout)
        #expect(try store.resolve("first").name == "first:latest")
        try store.tag("first", as: "second:2")
        let details = try store.details(try store.resolve("second:2"))
        #expect(Set(details.names) == ["first:latest", "second:2"])
        #expect(try store.resolve(details.id.short).manifest.digest == details.record.manifest.digest)
        try store.remove("first")
        #expect(try store.images().compactMap(\.name) == ["second:2"])
        #expect(throws: ImageError.invalidReference("Bad Name")) { try store.tag("second:2", as: "Bad Name") }
    }

    /// Export writes an oci-archive that imports into another store as the same image.
    @Test func exportRoundTrips() throws {
        let temp = TemporaryDirectory()
        let layer = try everyKindLayer(in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "round:trip", layers: [layer])
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: image.layout)
        try store.export("round:trip", to: temp.path + "/out.tar")
        let other = try ImageStore(root: temp.sub("other"))
        try other.importArchive(at: temp.path + "/out.tar")
        #expect(try other.resolve("round:trip").manifest.digest == image.manifest.digest)
        #expect(try treeListing(other.layerDirectories(for: "round:trip")[0]) == treeListing(store.layerDirectories(for: "round:trip")[0]))
    }

    /// Compose stacks layers of other images without copying them.
    @Test func composeReusesLayers() throws {
        let temp = TemporaryDirectory()
        let base = try LayerFixture.make([file("base", "base")], in: temp.sub("layers"))
        let middle = try LayerFixture.make([file("middle", "middle")], in: temp.sub("layers"))
        let extra = try LayerFixture.make([file("extra", "extra")], in: temp.sub("layers"))
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: try ImageFixture.make(at: temp.sub("l1"), name: "one:1", layers: [base, middle]).layout)
        try store.importLayout(at: try ImageFixture.make(at: temp.sub("l2"), name: "two:1", layers: [extra]).layout)
        let layersBefore = try FileManager.default.contentsOfDirectory(atPath: store.root + "/layers/sha256").sorted()

        try store.compose(["one:1", extra.diffID.description], name: "mixed:1")
        let details = try store.details(try store.resolve("mixed:1"))
        #expect(details.config.rootfs.diffIDs == [base.diffID, middle.diffID, extra.diffID])
        #expect(details.manifest.layers.map(\.digest) == [base.descriptor.digest, middle.descriptor.digest, extra.descriptor.digest])
        #expect(details.config.history?.count == 3)
        #expect(try store.layerDirectories(for: "mixed:1") == [extra, middle, base].map { store.layerPath($0.diffID) })
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/layers/sha256").sorted() == layersBefore)

        try store.compose([String(middle.descriptor.digest.encoded.prefix(12))], name: "just-middle:1")
        #expect(try store.layerDirectories(for: "just-middle:1") == [store.layerPath(middle.diffID)])
        #expect(throws: ImageError.layerNotFound("deadbeef")) { try store.compose(["deadbeef"], name: "bad:1") }
    }

    /// Two imports of the same image at once both succeed and leave one copy.
    @Test func concurrentImportsDoNotCorrupt() async throws {
        let temp = TemporaryDirectory()
        let layer = try LayerFixture.make([file("data", String(repeating: "z", count: 100_000))], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "same:1", layers: [layer])
        let root = temp.sub("store")
        let layout = image.layout
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                group.addTask {
                    let store = try ImageStore(root: root)
                    try store.importLayout(at: layout, name: "same:\(index)")
                }
            }
            try await group.waitForAll()
        }
        let store = try ImageStore(root: root)
        #expect(try store.images().count == 4)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/layers/sha256") == [layer.diffID.encoded])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/staging").isEmpty)
    }

    /// Staging left by a killed process (its lock no longer held) is removed by the next run;
    /// a live operation's staging is not.
    @Test func abandonedStagingIsCleanedUp() throws {
        let temp = TemporaryDirectory()
        let root = temp.sub("store")
        let store = try ImageStore(root: root)
        let dead = root + "/staging/op-1-dead"
        try FileManager.default.createDirectory(atPath: dead + "/layers/half", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dead + ".lock", contents: nil)
        let live = try Staging(store: store)
        _ = try ImageStore(root: root)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: live.path))
    }

    @Test func defaultRootFollowsEnvironment() {
        #expect(ImageStore.defaultRoot(environment: ["LAMINA_STORE": "/x"]) == "/x")
        if geteuid() == 0 {
            #expect(ImageStore.defaultRoot(environment: [:]) == "/var/lib/lamina")
        } else {
            #expect(ImageStore.defaultRoot(environment: ["XDG_DATA_HOME": "/d"]) == "/d/lamina")
        }
    }
}
