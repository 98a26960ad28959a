import Foundation
import Testing
@testable import LaminaImage

/// A private podman (its own root under /tmp, vfs storage) for one test.
struct PrivatePodman {
    let root: String

    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/podman") && FileManager.default.isExecutableFile(atPath: "/usr/bin/skopeo")
            && geteuid() == 0
    }

    var storage: String { "containers-storage:[vfs@\(root)/root+\(root)/runroot]" }

    @discardableResult
    func callAsFunction(_ arguments: String...) throws -> String {
        try run("/usr/bin/podman", ["--root", root + "/root", "--runroot", root + "/runroot", "--storage-driver", "vfs"] + arguments)
    }

    func runContainer(_ image: String, _ command: String...) throws -> String {
        try run(
            "/usr/bin/podman",
            ["--root", root + "/root", "--runroot", root + "/runroot", "--storage-driver", "vfs", "run", "--rm",
             "--runtime", "runc", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", image] + command)
    }
}

/// A layer holding a static busybox, so images made in tests run in podman.
func busyboxLayer(in directory: String) throws -> LayerFixture {
    let binary = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "/usr/bin/busybox")))
    var entries = [dir("bin"), (ArchiveEntry(path: "bin/busybox", kind: .regular, permissions: 0o755), binary)]
    for tool in ["sh", "cat", "ls", "find"] { entries.append(symlink("bin/\(tool)", to: "busybox")) }
    return try LayerFixture.make(entries, in: directory)
}

@Suite(.serialized, .enabled(if: PrivatePodman.available, "needs root, podman and skopeo"))
struct InteropTests {
    /// Archives written by skopeo (from a podman image) import; skopeo reads the store as an OCI layout.
    @Test func skopeoArchivesImportAndStoreIsALayout() throws {
        let temp = TemporaryDirectory()
        let podman = PrivatePodman(root: temp.sub("podman"))
        let rootfs = temp.path + "/rootfs.tar"
        let writer = try ArchiveWriter(path: rootfs)
        try writer.add(ArchiveEntry(path: "hello", kind: .regular, size: 5), data: Array("world".utf8))
        try writer.finish()
        try podman("import", rootfs, "localhost/hello:1")
        try run("/usr/bin/skopeo", ["copy", podman.storage + "localhost/hello:1", "oci-archive:\(temp.path)/hello.oci.tar"])
        try run("/usr/bin/skopeo", ["copy", podman.storage + "localhost/hello:1", "docker-archive:\(temp.path)/hello.docker.tar:localhost/hello:1"])
        let podmanID = try podman("image", "inspect", "--format", "{{.Id}}", "localhost/hello:1").trimmingCharacters(in: .whitespacesAndNewlines)

        let store = try ImageStore(root: temp.sub("store"))
        try store.importArchive(at: temp.path + "/hello.oci.tar", name: "hello:oci")
        try store.importArchive(at: temp.path + "/hello.docker.tar")
        for name in ["hello:oci", "localhost/hello:1"] {
            let details = try store.details(try store.resolve(name))
            #expect(details.id.encoded == podmanID)
            #expect(FileManager.default.contents(atPath: try store.layerDirectories(for: name)[0] + "/hello") == Data("world".utf8))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/layers/sha256").count == 1)
        let inspected = try run("/usr/bin/skopeo", ["inspect", "oci:\(store.root):hello:oci"])
        #expect(inspected.contains(try store.resolve("hello:oci").manifest.digest.description))
        try run("/usr/bin/skopeo", ["copy", "oci:\(store.root):localhost/hello:1", "oci-archive:\(temp.path)/copied.tar"])
        #expect(FileManager.default.fileExists(atPath: temp.path + "/copied.tar"))
    }

    /// A composed image (busybox from one image, a file layer from another) exports, loads into
    /// podman and runs there.
    @Test func composedImageRunsInPodman() throws {
        let temp = TemporaryDirectory()
        let busybox = try busyboxLayer(in: temp.sub("layers"))
        let note = try LayerFixture.make([dir("etc"), file("etc/note", "composed by lamina\n")], in: temp.sub("layers"))
        let unused = try LayerFixture.make([file("unused", "x")], in: temp.sub("layers"))
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: try ImageFixture.make(at: temp.sub("a"), name: "busybox:1", layers: [busybox]).layout)
        try store.importLayout(at: try ImageFixture.make(at: temp.sub("b"), name: "notes:1", layers: [unused, note]).layout)
        try store.compose(["busybox:1", note.diffID.description], name: "composed:1")
        try store.export("composed:1", to: temp.path + "/composed.tar")

        let podman = PrivatePodman(root: temp.sub("podman"))
        try podman("load", "-i", temp.path + "/composed.tar")
        let output = try podman.runContainer("composed:1", "/bin/cat", "/etc/note")
        #expect(output == "composed by lamina\n")
        let listing = try podman.runContainer("composed:1", "/bin/ls", "/")
        #expect(!listing.contains("unused"))
    }
}
