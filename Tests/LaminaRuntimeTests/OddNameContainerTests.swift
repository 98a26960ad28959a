import Foundation
import LaminaImage
import LaminaRuntime
import LaminaSystem
import LaminaTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The odd names as an image's layers, and a container's change to them.
extension OddNames {
    static let added = [UInt8](repeating: UInt8(ascii: "q"), count: 255)

    static func name(_ bytes: [UInt8]) -> FileName { FileName(bytes: bytes)! }

    /// Image `names:2`: sample:1, plus a layer of odd names under /names (committed through
    /// `LayerArchive`, from files written here), plus a layer whiting out the NFD spelling only.
    static func makeImages(_ store: ImageStore, depth: Int, scratch: String) throws {
        let chain = chain(depth)
        let history = ImageConfig.History(created: "2024-01-01T00:00:00Z", createdBy: "odd names")
        try store.commitLayer(onto: "sample:1", name: "names:1", history: history) { (archive) throws(ImageError) in
            let directory = LayerMember(path: [name(names)], mode: S_IFDIR | 0o755)
            try archive.add(directory)
            for (file, text) in [(longest, "longest"), (binary, "binary"), (latin1, "latin-1"), (nfc, "nfc"), (nfd, "nfd"), (doomed, "doomed")] {
                try add([names, file], text, to: archive, scratch: scratch)
            }
            try archive.add(LayerMember(path: [name(names), "link"], mode: S_IFLNK | 0o777, symlinkTarget: symlinkTarget))
            for levels in 1...chain.count {
                try archive.add(LayerMember(path: ([names] + chain.prefix(levels)).map(name), mode: S_IFDIR | 0o755))
            }
            try add([names] + chain + [Array("bottom".utf8)], "deep", to: archive, scratch: scratch)
        }
        try store.commitLayer(onto: "names:1", name: "names:2", history: history) { (archive) throws(ImageError) in
            try archive.add(LayerMember.whiteout(for: [name(names), name(nfd)]))
        }
    }

    private static func add(_ path: [[UInt8]], _ text: String, to archive: LayerArchive, scratch: String) throws(ImageError) {
        let file: FileDescriptor
        do {
            let source = scratch + "/member"
            try Data(text.utf8).write(to: URL(fileURLWithPath: source))
            file = try FileDescriptor.open(source, flags: O_RDONLY)
        } catch {
            throw .malformed(what: "test file", reason: "\(error)")
        }
        defer { file.close() }
        let member = LayerMember(path: path.map(name), mode: S_IFREG | 0o644, size: Int64(text.utf8.count))
        try archive.add(member, contentsOf: file.rawValue)
    }

    /// The container's change, in busybox sh (bytes written as octal escapes): deletes a 255-byte
    /// name, changes a non-UTF-8 one, adds the NFD spelling the image whited out and changes the
    /// NFC one (two lines of `lamina diff` a `String` would merge), adds a Latin-1 and
    /// a 255-byte name, and a file at the bottom of the deep chain (reached one `cd -P` at a time).
    static func change(depth: Int) -> String { #"""
        set -e
        cd /names
        rm "$(printf '%0255d' 0 | tr 0 z)"
        echo changed > "$(printf '\377\376')"
        printf again > "$(printf 'cafe\314\201')"
        printf changed > "$(printf 'caf\303\251')"
        mkdir /new
        printf x > "/new/$(printf 'caf\351')"
        printf y > "/new/$(printf '%0255d' 0 | tr 0 q)"
        c=$(printf '%0255d' 0 | tr 0 c)
        cd -P chain
        i=0
        while [ $i -lt \#(depth) ]; do cd -P "$c"; i=$((i + 1)); done
        printf here > here
        echo done
        """# }

    /// What `lamina diff` must say about `change`, as the bytes of each line.
    static func expectedDiff(depth: Int) -> [[UInt8]] {
        let chain = chain(depth)
        var changes: [(String, [[UInt8]])] = [
            ("C", [names]), ("D", [names, doomed]), ("C", [names, binary]), ("A", [names, nfd]), ("C", [names, nfc]),
            ("A", [Array("new".utf8)]), ("A", [Array("new".utf8), latin1]), ("A", [Array("new".utf8), added]),
            ("A", [names] + chain + [Array("here".utf8)]),
        ]
        for levels in 1...chain.count { changes.append(("C", [names] + chain.prefix(levels))) }
        return changes.sorted { $0.1.lexicographicallyPrecedes($1.1) { $0.lexicographicallyPrecedes($1) } }.map { kind, path in
            Array((kind + " /" + path.map { ByteText.unambiguous($0) }.joined(separator: "/")).utf8)
        }
    }

    /// The merged view under /names and /new after the change.
    static func expectedView(depth: Int) -> [TreeLine] {
        let chain = chain(depth)
        let new = Array("new".utf8)
        let lines = [
            TreeLine(path: [names], kind: "d"),
            TreeLine(path: [names, longest], kind: "f", data: Array("longest".utf8)),
            TreeLine(path: [names, binary], kind: "f", data: Array("changed\n".utf8)),
            TreeLine(path: [names, latin1], kind: "f", data: Array("latin-1".utf8)),
            TreeLine(path: [names, nfc], kind: "f", data: Array("changed".utf8)),
            TreeLine(path: [names, nfd], kind: "f", data: Array("again".utf8)),
            TreeLine(path: [names, Array("link".utf8)], kind: "l", data: symlinkTarget),
            TreeLine(path: [names] + chain + [Array("bottom".utf8)], kind: "f", data: Array("deep".utf8)),
            TreeLine(path: [names] + chain + [Array("here".utf8)], kind: "f", data: Array("here".utf8)),
            TreeLine(path: [new], kind: "d"),
            TreeLine(path: [new, latin1], kind: "f", data: Array("x".utf8)),
            TreeLine(path: [new, added], kind: "f", data: Array("y".utf8)),
        ]
        return (lines + chainDirectories(depth)).sorted()
    }
}

@Suite(.serialized, .enabled(if: RuntimeFixture.enabled))
struct OddNameContainerTests {
    static let tops = [OddNames.names, Array("new".utf8)]

    /// Odd names go through a container's change, `lamina diff`, commit, a mount of the new image,
    /// export and import into another store, and podman: every name exactly, the image's whiteout
    /// hiding only its own spelling.
    @Test(arguments: [OddNames.pastPathMax, OddNames.podmanDepth])
    func oddNamesRoundTripThroughDiffCommitAndExport(depth: Int) throws {
        let fixture = try RuntimeFixture()
        let images = fixture.containers.images
        var mounts: [String] = []
        defer {
            for mount in mounts { TestUnmount.unmount(mount) }
            for record in fixture.containers.containers() { try? fixture.containers.remove(record.id, force: true) }
            _ = try? ExternalTool.run("/bin/rm", ["-rf", "--one-file-system", fixture.directory])
        }
        try OddNames.makeImages(images, depth: depth, scratch: fixture.directory)
        let result = try fixture.sh(OddNames.change(depth: depth), image: "names:2", name: "odd")
        #expect(result.output == "done\n")

        let diff = try fixture.containers.diff("odd")
        #expect(diff.map { Array($0.description.utf8) } == OddNames.expectedDiff(depth: depth), "\(diff)")
        let laminaBinary = try #require(RuntimeFixture.laminaBinary)
        let printed = try ExternalTool.run(laminaBinary, ["diff", "--store", images.root, "odd"])
        #expect(printed.split(separator: "\n").map { Array($0.utf8) } == OddNames.expectedDiff(depth: depth))

        try fixture.containers.commit("odd", as: "names:3")
        let top = try images.layerDirectories(for: "names:3")[0]
        #expect(try TreeLine.tree(top, tops: [OddNames.names]).contains(
            TreeLine(path: [OddNames.names, OddNames.doomed], kind: "c0:0")), "the deletion of a 255-byte name")

        let mountPoint = fixture.directory + "/mnt"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try ExternalTool.run(laminaBinary, ["image", "mount", "--store", images.root, "names:3", mountPoint])
        mounts.append(mountPoint)
        #expect(try TreeLine.tree(mountPoint, tops: Self.tops) == OddNames.expectedView(depth: depth))

        let archive = fixture.directory + "/names3.tar"
        try images.export("names:3", to: archive)
        let again = try ImageStore(root: fixture.directory + "/store2")
        try again.importArchive(at: archive)
        let remounted = fixture.directory + "/mnt2"
        try FileManager.default.createDirectory(atPath: remounted, withIntermediateDirectories: true)
        try ExternalTool.run(laminaBinary, ["image", "mount", "--store", again.root, "names:3", remounted])
        mounts.append(remounted)
        #expect(try TreeLine.tree(remounted, tops: Self.tops) == OddNames.expectedView(depth: depth))

        guard depth == OddNames.podmanDepth, let podman = ExternalTool.find("podman") else { return }
        let podmanRoot = "/tmp/lamina-test-podman-\(UInt32.random(in: 0...UInt32.max))"
        defer { _ = try? ExternalTool.run("/bin/rm", ["-rf", "--one-file-system", podmanRoot]) }
        let podmanArgs = ["--root", podmanRoot + "/root", "--runroot", podmanRoot + "/run", "--storage-driver", "vfs"]
        try ExternalTool.run(podman, podmanArgs + ["load", "-i", archive])
        let mounted = try ExternalTool.run(podman, podmanArgs + ["image", "mount", "localhost/names:3"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? ExternalTool.run(podman, podmanArgs + ["image", "unmount", "--all"]) }
        #expect(try TreeLine.tree(mounted, tops: Self.tops) == OddNames.expectedView(depth: depth))
    }
}

@Suite(.serialized, .enabled(if: RuntimeFixture.enabled))
struct HostileLowerLayerTests {
    /// An image whose layer holds `lnk -> /etc` and `lnk2 -> /etc`, and a container whose upper
    /// layer uses those names as directories (one plain, one opaque, one redirect to `/lnk`): the
    /// image is read through the engine one name at a time, so neither `lamina diff` nor the
    /// committed layer holds anything of the host's /etc.
    @Test func symlinkInTheImageNeverLeadsDiffOrCommitToHostFiles() throws {
        let fixture = try RuntimeFixture()
        let images = fixture.containers.images
        let history = ImageConfig.History(created: "2024-01-01T00:00:00Z", createdBy: "hostile")
        try images.commitLayer(onto: "sample:1", name: "hostile:1", history: history) { (archive) throws(ImageError) in
            for link in ["lnk", "lnk2"] {
                try archive.add(LayerMember(path: [FileName(link)!], mode: S_IFLNK | 0o777, symlinkTarget: Array("/etc".utf8)))
            }
        }
        _ = try fixture.sh("true", image: "hostile:1", name: "hostile")
        let upper = try FileDescriptor.open(
            fixture.containers.root + "/" + fixture.containers.find("hostile").id + "/upper", flags: O_RDONLY | O_DIRECTORY)
        defer { upper.close() }
        func write(_ path: String, _ text: String) throws {
            let file = try upper.open(path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
            defer { file.close() }
            try file.write(Array(text.utf8), at: 0)
        }
        for directory in ["lnk", "lnk2", "moved"] { try upper.makeDirectory(directory, mode: 0o755) }
        try write("lnk/passwd", "mine")
        try write("lnk/.wh.hostname", "")
        try upper.setExtendedAttribute("trusted.overlay.opaque", value: Array("y".utf8), of: "lnk2")
        try write("lnk2/mine", "mine")
        try upper.setExtendedAttribute("trusted.overlay.redirect", value: Array("/lnk".utf8), of: "moved")
        try write("moved/own", "own")

        #expect(try fixture.containers.diff("hostile").map(\.description)
            == ["C /lnk", "A /lnk/passwd", "C /lnk2", "A /lnk2/mine", "A /moved", "A /moved/own"])

        try fixture.containers.commit("hostile", as: "hostile:2")
        let layer = try images.layerDirectories(for: "hostile:2")[0]
        let text = { (string: String) in Array(string.utf8) }
        let expected = [
            TreeLine(path: [text("lnk")], kind: "d"),
            TreeLine(path: [text("lnk"), text(".wh.hostname")], kind: "f"),
            TreeLine(path: [text("lnk"), text("passwd")], kind: "f", data: text("mine")),
            TreeLine(path: [text("lnk2")], kind: "d"),
            TreeLine(path: [text("lnk2"), text(".wh..wh..opq")], kind: "f"),
            TreeLine(path: [text("lnk2"), text("mine")], kind: "f", data: text("mine")),
            TreeLine(path: [text("moved")], kind: "d"),
            TreeLine(path: [text("moved"), text(".wh..wh..opq")], kind: "f"),
            TreeLine(path: [text("moved"), text("own")], kind: "f", data: text("own")),
        ]
        #expect(try TreeLine.tree(layer) == expected)
    }
}
