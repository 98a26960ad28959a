import Foundation
import Testing
import LaminaTestSupport
@testable import LaminaImage

/// The `lamina` executable built beside this test bundle, if there is one.
let laminaExecutable: String? = {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    let candidate = directory + "/lamina"
    return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
}()

let canMountImages = laminaExecutable != nil && PrivatePodman.available && FileManager.default.fileExists(atPath: "/dev/fuse")

@Suite(.serialized, .enabled(if: canMountImages, "needs root, /dev/fuse, podman and the lamina executable"))
struct MountedImageTests {
    /// The merged view of an imported image's layers, mounted by lamina, equals podman's own
    /// mount of the same image (whiteouts and opaque directories applied).
    @Test func mergedViewMatchesPodman() throws {
        let temp = TemporaryDirectory()
        let base = try LayerFixture.make(
            [dir("etc"), file("etc/keep", "keep"), file("etc/gone", "gone"), dir("opaque"), file("opaque/old", "old"),
             file("tool", "#!", mode: 0o4755), symlink("link", to: "etc/keep")],
            in: temp.sub("layers"))
        let top = try LayerFixture.make(
            [dir("etc"), file("etc/.wh.gone", ""), dir("opaque"), file("opaque/.wh..wh..opq", ""), file("opaque/new", "new"),
             file("etc/added", "added", uid: 1000, gid: 1000)],
            in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "merged:1", layers: [base, top])
        try image.ociArchive(at: temp.path + "/merged.tar")
        let store = try ImageStore(root: temp.sub("store"))
        try store.importArchive(at: temp.path + "/merged.tar")

        let mountPoint = temp.sub("mnt")
        let lower = try store.layerDirectories(for: "merged:1").joined(separator: ":")
        try run(laminaExecutable ?? "", ["mount", "--lower", lower, mountPoint])
        defer { TestUnmount.unmount(mountPoint) }
        let ours = try treeListing(mountPoint)

        let podman = PrivatePodman(root: temp.sub("podman"))
        try podman("load", "-i", temp.path + "/merged.tar")
        let podmanRoot = try podman("image", "mount", "merged:1").trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? podman("image", "unmount", "merged:1") }
        let theirs = try treeListing(podmanRoot)
        #expect(ours == theirs)
        #expect(ours.contains { $0.hasPrefix("opaque/new ") } && !ours.contains { $0.hasPrefix("opaque/old ") })
        #expect(!ours.contains { $0.hasPrefix("etc/gone ") || $0.contains(".wh.") })
    }
}
