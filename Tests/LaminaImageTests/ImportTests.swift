import Foundation
import LaminaSystem
import Testing
@testable import LaminaImage

/// A layer with one member of every kind the unpacker must reproduce.
func everyKindLayer(in directory: String, compression: LayerFixture.Compression = .gzip) throws -> LayerFixture {
    var setuid = file("bin/tool", "#!/bin/sh\n", mode: 0o4755, uid: 0, gid: 0)
    setuid.0.extendedAttributes = [("security.capability", [1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]
    var tagged = file("etc/tagged", "x")
    tagged.0.extendedAttributes = [("user.lamina.test", Array("hello".utf8))]
    return try LayerFixture.make(
        [
            dir("./"),
            dir("bin"),
            setuid,
            dir("etc", mode: 0o750),
            file("etc/owned", "owned\n", mode: 0o640, uid: 1234, gid: 5678),
            tagged,
            symlink("etc/link", to: "../bin/tool"),
            hardlink("etc/tool-hardlink", to: "bin/tool"),
            (ArchiveEntry(path: "dev-null", kind: .characterDevice, permissions: 0o666, deviceMajor: 1, deviceMinor: 3), []),
            (ArchiveEntry(path: "fifo", kind: .fifo, permissions: 0o600), []),
            file("deep/a/b/c/file", "implicit parents"),
            file("etc/.wh.removed", ""),
            file("opaque/.wh..wh..opq", ""),
        ], in: directory, compression: compression)
}

@Suite struct ImportTests {
    @Test func unpacksEveryKindOfMember() throws {
        let temp = TemporaryDirectory()
        let layer = try everyKindLayer(in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "kinds:1", layers: [layer])
        let store = try ImageStore(root: temp.sub("store"))
        let records = try store.importLayout(at: image.layout)
        #expect(records.map(\.name) == ["kinds:1"])
        let root = try #require(try store.layerDirectories(for: "kinds:1").first)
        #expect(root == store.layerPath(layer.diffID))

        var info = stat()
        #expect(lstat(root + "/bin/tool", &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o4755)
        #expect(lstat(root + "/etc/owned", &info) == 0)
        #expect(info.st_uid == 1234 && info.st_gid == 5678 && info.st_mode & 0o777 == 0o640)
        #expect(info.st_mtim.tv_sec == 1_700_000_000)
        #expect(lstat(root + "/etc", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o750 && info.st_mtim.tv_sec == 1_600_000_000)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/etc/link") == "../bin/tool")
        var tool = stat()
        #expect(lstat(root + "/etc/tool-hardlink", &info) == 0 && lstat(root + "/bin/tool", &tool) == 0)
        #expect(info.st_ino == tool.st_ino && tool.st_nlink == 2)
        #expect(lstat(root + "/dev-null", &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFCHR && info.st_rdev == DeviceNumber.make(major: 1, minor: 3))
        #expect(lstat(root + "/fifo", &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        #expect(FileManager.default.contents(atPath: root + "/deep/a/b/c/file") == Data("implicit parents".utf8))
        #expect(FileManager.default.fileExists(atPath: root + "/etc/.wh.removed"))
        #expect(FileManager.default.fileExists(atPath: root + "/opaque/.wh..wh..opq"))
        let layerRoot = try FileDescriptor.open(root, flags: O_RDONLY | O_DIRECTORY)
        defer { layerRoot.close() }
        #expect(try layerRoot.extendedAttribute("security.capability", of: "bin/tool")?.count == 20)
        #expect(try layerRoot.extendedAttribute("user.lamina.test", of: "etc/tagged") == Array("hello".utf8))
    }

    @Test(arguments: [LayerFixture.Compression.none, .gzip, .zstd])
    func importsEveryCompression(_ compression: LayerFixture.Compression) throws {
        let temp = TemporaryDirectory()
        let layer = try LayerFixture.make([file("hello", "world")], in: temp.sub("layers"), compression: compression)
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "compressed:1", layers: [layer])
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: image.layout)
        let root = try store.layerDirectories(for: "compressed:1")[0]
        #expect(FileManager.default.contents(atPath: root + "/hello") == Data("world".utf8))
    }

    /// The three forms users bring give the same image: same config (image id), same layer trees.
    @Test func threeFormsGiveTheSameImage() throws {
        let temp = TemporaryDirectory()
        let base = try everyKindLayer(in: temp.sub("layers"))
        let top = try LayerFixture.make([file("etc/top", "top")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "forms:layout", layers: [base, top])
        try image.ociArchive(at: temp.path + "/image.oci.tar")
        try image.dockerArchive(at: temp.path + "/image.docker.tar", tag: "forms:docker", scratch: temp.sub("scratch"))

        var trees: [[String]] = []
        var ids: [Digest] = []
        for (path, name) in [(image.layout, "forms:layout"), (temp.path + "/image.oci.tar", "forms:oci"), (temp.path + "/image.docker.tar", "forms:docker")] {
            let store = try ImageStore(root: temp.sub("store-\(name)"))
            if path.hasSuffix(".tar") {
                try store.importArchive(at: path, name: name == "forms:docker" ? nil : name)
            } else {
                try store.importLayout(at: path)
            }
            let details = try store.details(try store.resolve(name))
            ids.append(details.id)
            var listing: [String] = []
            for directory in try store.layerDirectories(for: name) { listing += try treeListing(directory) }
            trees.append(listing)
        }
        #expect(Set(ids).count == 1)
        #expect(trees[0] == trees[1] && trees[1] == trees[2])
        #expect(trees[0].contains { $0.hasPrefix("etc/top ") })
    }
}
