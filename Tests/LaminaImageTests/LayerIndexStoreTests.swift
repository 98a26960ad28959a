import Foundation
import LaminaLayerIndex
import LaminaSystem
import Testing
@testable import LaminaImage

/// The store keeps a layer index beside every unpacked layer, and makes one on first need for
/// layers stored before it did.
@Suite struct LayerIndexStoreTests {
    @Test func importWritesAnIndexThatDescribesTheTree() throws {
        let temp = TemporaryDirectory()
        let layer = try everyKindLayer(in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "kinds:1", layers: [layer])
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: image.layout)
        let path = store.layerIndexPath(layer.diffID)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try store.layerIndexes(for: "kinds:1") == [path])
        let index = try LayerIndex(path: path)
        let tree = store.layerPath(layer.diffID)
        #expect(index.entries(of: .root).map(\.name.description) == ["bin", "deep", "dev-null", "etc", "fifo", "opaque"])
        let etc = try #require(index.directory(at: ["etc"]))
        #expect(index.lookup("removed", in: etc)?.kind == .whiteout)
        #expect(index.isOpaque(try #require(index.directory(at: ["opaque"]))))
        let bin = try #require(index.directory(at: ["bin"]))
        let tool = try #require(index.lookup("tool", in: bin)?.file)
        #expect(index.lookup("tool-hardlink", in: etc)?.file == tool)
        var info = stat()
        #expect(lstat(tree + "/bin/tool", &info) == 0)
        #expect(index.metadata(of: tool).mode == info.st_mode)
        #expect(index.metadata(of: tool).linkCount == 2)
        #expect(index.extendedAttribute(Array("security.capability".utf8), of: tool)?.count == 20)
        let link = try #require(index.lookup("link", in: etc)?.file)
        #expect(index.linkTarget(of: link) == Array("../bin/tool".utf8))
    }

    @Test func anIndexMissingFromAnOlderStoreIsBuiltOnFirstNeed() throws {
        let temp = TemporaryDirectory()
        let layer = try LayerFixture.make([dir("etc"), file("etc/os-release", "base")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "old:1", layers: [layer])
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: image.layout)
        let path = store.layerIndexPath(layer.diffID)
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        try FileManager.default.removeItem(atPath: path)
        #expect(try store.layerIndex(for: layer.diffID) == path)
        // The tree is unchanged, so the rebuilt index is the same file.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == written)
        #expect(throws: ImageError.self) { try store.layerIndex(for: Digest.of(Data("no such layer".utf8))) }
    }

    @Test func pruneRemovesTheIndexesOfRemovedLayers() throws {
        let temp = TemporaryDirectory()
        let base = try LayerFixture.make([file("base", "b")], in: temp.sub("layers"))
        let top = try LayerFixture.make([file("top", "t")], in: temp.sub("layers"))
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: try ImageFixture.make(at: temp.sub("a"), name: "a:1", layers: [base, top]).layout)
        try store.importLayout(at: try ImageFixture.make(at: temp.sub("b"), name: "b:1", layers: [base]).layout)
        try store.remove("a:1")
        let report = try store.prune()
        #expect(report.layers == [top.diffID])
        #expect(!FileManager.default.fileExists(atPath: store.layerIndexPath(top.diffID)))
        #expect(FileManager.default.fileExists(atPath: store.layerIndexPath(base.diffID)))
    }
}
