import Foundation
import LaminaSystem
import Testing
@testable import LaminaImage

/// The store keeps what is in use: a held image keeps its last name unless forced, and its layers
/// and blobs outlive prune while its holder exists; one image known by several manifests is one
/// image to every command.
@Suite struct StoreHoldTests {
    private struct Fixture {
        let temp = TemporaryDirectory()
        let store: ImageStore
        let image: ImageFixture
        let owner: String

        init() throws {
            let base = try LayerFixture.make([dir("etc"), file("etc/os-release", "held")], in: temp.sub("layers"))
            let top = try LayerFixture.make([file("top", "top")], in: temp.sub("layers"))
            image = try ImageFixture.make(at: temp.sub("layout"), name: "held:1", layers: [base, top])
            store = try ImageStore(root: temp.sub("store"))
            try store.importLayout(at: image.layout)
            owner = temp.sub("container")
        }
    }

    @Test func heldImageKeepsItsLastName() throws {
        let fixture = try Fixture()
        let held = try fixture.store.hold("held:1", holder: "c1", description: "container one (c1)", ownerPath: fixture.owner)
        #expect(held.layerDirectories == fixture.image.layers.reversed().map { fixture.store.layerPath($0.diffID) })
        try fixture.store.tag("held:1", as: "other:2")
        #expect(try fixture.store.remove("held:1") == ["held:1"], "another name remains: untagged")
        #expect {
            try fixture.store.remove("other:2")
        } throws: { "\($0)".contains("in use by container one (c1)") }
        #expect {
            try fixture.store.remove(held.details.id.description)
        } throws: { "\($0)".contains("in use by") }
        #expect(try fixture.store.images().compactMap(\.name) == ["other:2"])
    }

    @Test func forcedRemovalKeepsTheDataWhileHeld() throws {
        let fixture = try Fixture()
        let held = try fixture.store.hold("held:1", holder: "c1", description: "container one (c1)", ownerPath: fixture.owner)
        #expect(try fixture.store.remove("held:1", force: true) == ["held:1"])
        #expect(try fixture.store.images().isEmpty)
        let report = try fixture.store.prune()
        #expect(report.layers.isEmpty && report.blobs.isEmpty, "nothing held is pruned: \(report)")
        for directory in held.layerDirectories { #expect(FileManager.default.fileExists(atPath: directory)) }
        // The held image is still found by its id, its details verify, and a commit onto it works.
        #expect(try fixture.store.resolve(held.details.id.description).manifest.digest == held.details.record.manifest.digest)
        let committed = try fixture.store.commitLayer(
            onto: held.details.id.description, name: "child:1", history: .init(created: "2024-01-01T00:00:00Z", createdBy: "test")
        ) { archive throws(ImageError) in try archive.add(LayerMember(path: ["new"], mode: S_IFREG | 0o644)) }
        #expect(try fixture.store.details(committed).config.rootfs.diffIDs.prefix(2) == held.details.config.rootfs.diffIDs[...])

        fixture.store.release(holder: "c1")
        let after = try fixture.store.prune()
        #expect(after.layers.isEmpty, "child:1 still uses both base layers")
        try fixture.store.remove("child:1")
        #expect(try fixture.store.prune().layers.count == 3)
    }

    @Test func holdOfAVanishedOwnerIsStale() throws {
        let fixture = try Fixture()
        _ = try fixture.store.hold("held:1", holder: "gone", description: "container gone", ownerPath: fixture.owner)
        try FileManager.default.removeItem(atPath: fixture.owner)
        #expect(fixture.store.liveHolds().isEmpty)
        try fixture.store.remove("held:1")
        #expect(try fixture.store.prune().layers.count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.store.root + "/holds").isEmpty)
    }

    @Test(arguments: ["", "../x", "a/b", ".hidden"])
    func holderIdsAreFileNames(_ holder: String) throws {
        let fixture = try Fixture()
        #expect(throws: ImageError.self) { _ = try fixture.store.hold("held:1", holder: holder, description: "x", ownerPath: fixture.owner) }
    }

    /// One image imported as oci-archive and as docker-archive: two manifests, one config. Its id
    /// names it everywhere (resolve, commit, rm), as one image.
    @Test func twoManifestsOfOneConfigAreOneImage() throws {
        let temp = TemporaryDirectory()
        let layer = try LayerFixture.make([file("a", "a")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "twice:1", layers: [layer])
        try image.ociArchive(at: temp.path + "/oci.tar")
        try image.dockerArchive(at: temp.path + "/docker.tar", tag: "twice:docker", scratch: temp.sub("scratch"))
        let store = try ImageStore(root: temp.sub("store"))
        try store.importArchive(at: temp.path + "/oci.tar")
        try store.importArchive(at: temp.path + "/docker.tar")
        let manifests = Set(try store.images().map(\.manifest.digest))
        #expect(manifests.count == 2, "fixture: two manifests")
        let id = image.config.digest
        #expect(manifests.contains(try store.resolve(id.short).manifest.digest))
        #expect(manifests.contains(try store.resolve(id.description).manifest.digest))
        try store.commitLayer(onto: id.description, name: "child:1", history: .init(created: "2024-01-01T00:00:00Z", createdBy: "test")) {
            archive throws(ImageError) in try archive.add(LayerMember(path: ["b"], mode: S_IFREG | 0o644))
        }
        #expect(Set(try store.remove(id.description)).count == 2, "rm by id removes the image: both manifests")
        #expect(try store.images().compactMap(\.name) == ["child:1"])
    }
}
