import Foundation
import LaminaSystem
import LaminaTestSupport
import Testing
@testable import LaminaImage

#if canImport(Glibc)
import Glibc
#endif

/// The odd names as layer tar members.
extension OddNames {
    static let binaryLink: [UInt8] = binary + Array("-link".utf8)

    /// `a/b/c` from names.
    static func path(_ components: [[UInt8]]) -> ArchivePath {
        ArchivePath(bytes: Array(components.joined(separator: [UInt8(ascii: "/")])))
    }

    /// The base layer: every odd name under `names/`, and the deep chain.
    static func baseEntries(depth: Int = pastPathMax) -> [(ArchiveEntry, [UInt8])] {
        let chain = chain(depth)
        func file(_ name: [UInt8], _ text: String) -> (ArchiveEntry, [UInt8]) {
            (ArchiveEntry(path: path([names, name]), kind: .regular, permissions: 0o644), Array(text.utf8))
        }
        var entries: [(ArchiveEntry, [UInt8])] = [
            (ArchiveEntry(path: "names", kind: .directory, permissions: 0o755), []),
            file(longest, "longest"), file(binary, "binary"), file(latin1, "latin-1"), file(nfc, "nfc"), file(nfd, "nfd"),
            file(doomed, "doomed"),
            (ArchiveEntry(path: path([names, Array("link".utf8)]), kind: .symbolicLink, permissions: 0o777,
                          symlinkTarget: ArchivePath(bytes: symlinkTarget)), []),
            (ArchiveEntry(path: path([names, binaryLink]), kind: .regular, hardlinkTarget: path([names, binary])), []),
        ]
        for levels in 1...chain.count {
            entries.append((ArchiveEntry(path: path([names] + chain.prefix(levels)), kind: .directory, permissions: 0o755), []))
        }
        entries.append(file(chain.joined(separator: [UInt8(ascii: "/")]) + Array("/bottom".utf8), "deep"))
        return entries
    }

    /// The top layer: whiteouts of the NFD spelling only, and of a 255-byte name.
    static func topEntries() -> [(ArchiveEntry, [UInt8])] {
        return [
            (ArchiveEntry(path: "names", kind: .directory, permissions: 0o755), []),
            (ArchiveEntry(path: path([names, Array(".wh.".utf8) + nfd]), kind: .regular), []),
            (ArchiveEntry(path: path([names, Array(".wh.".utf8) + doomed]), kind: .regular), []),
        ]
    }

    /// The merged view of the two layers, as `TreeLine`s under `names/`.
    static func expectedView(depth: Int = pastPathMax) -> [TreeLine] {
        let chain = chain(depth)
        let lines = [
            TreeLine(path: [names], kind: "d"),
            TreeLine(path: [names, longest], kind: "f", data: Array("longest".utf8)),
            TreeLine(path: [names, binary], kind: "f", data: Array("binary".utf8)),
            TreeLine(path: [names, binaryLink], kind: "f", data: Array("binary".utf8)),
            TreeLine(path: [names, latin1], kind: "f", data: Array("latin-1".utf8)),
            TreeLine(path: [names, nfc], kind: "f", data: Array("nfc".utf8)),
            TreeLine(path: [names, Array("link".utf8)], kind: "l", data: symlinkTarget),
            TreeLine(path: [names] + chain + [Array("bottom".utf8)], kind: "f", data: Array("deep".utf8)),
        ]
        return (lines + chainDirectories(depth)).sorted()
    }
}

/// Removes a tree however deep (GNU rm works one directory at a time), after unmounting `mounts`.
func removeDeepTree(_ path: String, unmounting mounts: [String] = []) {
    for mount in mounts { TestUnmount.unmount(mount) }
    _ = try? run("/bin/rm", ["-rf", "--one-file-system", path])
}

struct OddNameImageTests {
    /// Odd names survive import (the store's layer directories hold them exactly), the merged view
    /// of `lamina image mount`, export and import into another store; a whiteout hides only its
    /// own spelling, and the whiteout of a 255-byte name (a 259-byte member) becomes a 0/0 device.
    @Test(.enabled(if: canMountImages, "needs root, /dev/fuse, podman and the lamina executable"))
    func oddNamesRoundTripThroughImportMountAndExport() throws {
        let temp = TemporaryDirectory()
        defer { removeDeepTree(temp.path, unmounting: [temp.path + "/mnt", temp.path + "/mnt2"]) }
        let base = try LayerFixture.make(OddNames.baseEntries(), in: temp.sub("layers"))
        let top = try LayerFixture.make(OddNames.topEntries(), in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "names:1", layers: [base, top])
        try image.ociArchive(at: temp.path + "/names.tar")
        let store = try ImageStore(root: temp.sub("store"))
        try store.importArchive(at: temp.path + "/names.tar")

        let layers = try store.layerDirectories(for: "names:1")
        let topLayer = try TreeLine.tree(layers[0])
        let names = OddNames.names
        #expect(topLayer.contains(TreeLine(path: [names, Array(".wh.".utf8) + OddNames.nfd], kind: "f")))
        #expect(topLayer.contains(TreeLine(path: [names, OddNames.doomed], kind: "c0:0")), "the kernel's form of the whiteout")
        #expect(topLayer.count == 3)
        let baseLayer = try TreeLine.tree(layers[1])
        #expect(baseLayer.filter { $0.path.count == 2 }.map { $0.path[1] }.sorted { $0.lexicographicallyPrecedes($1) }
            == [OddNames.binary, OddNames.binaryLink, OddNames.latin1, OddNames.nfc, OddNames.nfd, OddNames.doomed,
                Array("chain".utf8), Array("link".utf8), OddNames.longest].sorted { $0.lexicographicallyPrecedes($1) })

        let mountPoint = temp.sub("mnt")
        try run(laminaExecutable ?? "", ["image", "mount", "--store", store.root, "names:1", mountPoint])
        #expect(try TreeLine.tree(mountPoint) == OddNames.expectedView())
        TestUnmount.unmount(mountPoint)

        try store.export("names:1", to: temp.path + "/exported.tar")
        let again = try ImageStore(root: temp.sub("store2"))
        try again.importArchive(at: temp.path + "/exported.tar")
        for (first, second) in zip(layers, try again.layerDirectories(for: "names:1")) {
            #expect(try TreeLine.tree(first) == TreeLine.tree(second))
        }
        let remounted = temp.sub("mnt2")
        try run(laminaExecutable ?? "", ["image", "mount", "--store", again.root, "names:1", remounted])
        #expect(try TreeLine.tree(remounted) == OddNames.expectedView())
    }

    /// podman loads the export and shows the same merged view, name for name.
    @Test(.enabled(if: canMountImages, "needs root, /dev/fuse, podman and the lamina executable"))
    func podmanShowsTheSameNames() throws {
        let temp = TemporaryDirectory()
        defer { removeDeepTree(temp.path) }
        let base = try LayerFixture.make(OddNames.baseEntries(depth: OddNames.podmanDepth), in: temp.sub("layers"))
        let top = try LayerFixture.make(OddNames.topEntries(), in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "names:1", layers: [base, top])
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: image.layout)
        try store.export("names:1", to: temp.path + "/exported.tar")

        let podman = PrivatePodman(root: temp.sub("podman"))
        try podman("load", "-i", temp.path + "/exported.tar")
        let podmanRoot = try podman("image", "mount", "names:1").trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? podman("image", "unmount", "names:1") }
        #expect(try TreeLine.tree(podmanRoot) == OddNames.expectedView(depth: OddNames.podmanDepth))
    }

    @Test func aNameLongerThan255BytesIsRefused() throws {
        let temp = TemporaryDirectory()
        defer { removeDeepTree(temp.path) }
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 256)
        let layer = try LayerFixture.make(
            [(ArchiveEntry(path: OddNames.path([Array("d".utf8), long]), kind: .regular), Array("x".utf8))], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "long:1", layers: [layer])
        let store = try ImageStore(root: temp.sub("store"))
        do {
            try store.importLayout(at: image.layout)
            Issue.record("a 256-byte name was accepted")
        } catch {
            #expect("\(error)".contains("a name of 256 bytes"))
        }
        #expect(try store.images().isEmpty)
    }
}
