import Foundation
import LaminaSystem
import Testing
import LaminaTestSupport
@testable import LaminaImage

/// Where a hostile image aims: a directory outside the store holding a file only the host has.
/// Every hostile-image test checks that its secret never shows in a merged view and that the
/// directory is unchanged afterwards.
struct HostTarget {
    let directory: String
    let secret: String
    let secretName = "host-secret.txt"

    init(in temp: TemporaryDirectory) throws {
        directory = temp.sub("host")
        secret = "host secret \(UUID().uuidString)"
        try Data(secret.utf8).write(to: URL(fileURLWithPath: directory + "/" + secretName))
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        try Data("nested".utf8).write(to: URL(fileURLWithPath: directory + "/sub/nested"))
    }

    /// A relative path that climbs out of any layer (more `..` than a store is deep) to this directory.
    var climbingPath: String { String(repeating: "../", count: 24) + directory.dropFirst() }

    /// The problems found in a merged view: a host file by name or by content, or the real /etc.
    func leaks(in mergedRoot: String) -> [String] {
        var found: [String] = []
        walkTree(mergedRoot) { path, info in
            let name = path.split(separator: "/").last.map(String.init) ?? path
            if [secretName, "nested", "passwd", "os-release", "hostname"].contains(name) {
                found.append("\(path) (a host file's name)")
            }
            if info.st_mode & S_IFMT == S_IFREG, FileManager.default.contents(atPath: mergedRoot + "/" + path) == Data(secret.utf8) {
                found.append("\(path) (the host secret's content)")
            }
        }
        return found
    }
}

/// One hostile layer an import accepts (the attack must come to nothing) or refuses.
struct HostileImageCase: CustomTestStringConvertible, Sendable {
    enum Outcome: Sendable {
        /// Imported; these paths (with "=TEXT" for file content) must be in the merged view, and these not.
        case merges(present: [String], absent: [String])
        /// Refused with an error containing this text.
        case refused(String)
    }

    var name: String
    var outcome: Outcome
    /// The top layer's members; the base layer is `HostileImageTests.baseMembers`.
    var top: @Sendable (_ target: HostTarget) -> [(ArchiveEntry, [UInt8])]
    var testDescription: String { name }
}

private func marked(_ member: (ArchiveEntry, [UInt8]), _ attributes: [(String, String)]) -> (ArchiveEntry, [UInt8]) {
    var member = member
    member.0.extendedAttributes = attributes.map { ($0.0, Array($0.1.utf8)) }
    return member
}

private func device(_ path: String, major: UInt32 = 0, minor: UInt32 = 0) -> (ArchiveEntry, [UInt8]) {
    (ArchiveEntry(path: ArchivePath(path), kind: .characterDevice, permissions: 0o600, deviceMajor: major, deviceMinor: minor), [])
}

let overlayPrefixes = ["trusted.overlay.", "user.overlay.", "user.fuseoverlayfs."]

let hostileImageCases: [HostileImageCase] =
    overlayPrefixes.flatMap { prefix -> [HostileImageCase] in
        [
            HostileImageCase(
                name: "\(prefix)redirect with '..' in a tar",
                outcome: .merges(present: ["d/mine=mine", "d/base=base"], absent: [])
            ) { target in
                [marked(dir("d"), [(prefix + "redirect", target.climbingPath), (prefix + "opaque", "y")]), file("d/mine", "mine")]
            },
            HostileImageCase(
                name: "\(prefix)redirect to ../../../../etc in a tar",
                outcome: .merges(present: ["d/base=base"], absent: [])
            ) { _ in
                [marked(dir("d"), [(prefix + "redirect", "../../../../etc")])]
            },
            HostileImageCase(
                name: "\(prefix)redirect absolute through a symlink in a tar",
                outcome: .merges(present: ["d/base=base", "lnk"], absent: [])
            ) { target in
                [symlink("lnk", to: target.directory), marked(dir("d"), [(prefix + "redirect", "/lnk")])]
            },
            HostileImageCase(
                name: "\(prefix)opaque in a tar hides nothing",
                outcome: .merges(present: ["d/base=base", "d/new=new"], absent: [])
            ) { _ in
                [marked(dir("d"), [(prefix + "opaque", "y")]), file("d/new", "new")]
            },
            HostileImageCase(
                name: "\(prefix)whiteout xattr in a tar deletes nothing",
                outcome: .merges(present: ["d/base=", "keep="], absent: [])
            ) { _ in
                [marked(dir("d"), [(prefix + "opaque", "x")]), marked(file("d/base", ""), [(prefix + "whiteout", "")]),
                 marked(file("keep", ""), [(prefix + "whiteout", "")])]
            },
        ]
    } + [
        HostileImageCase(name: "opaque marker as a directory", outcome: .merges(present: ["d/new"], absent: ["d/base"])) { _ in
            [dir("d"), dir("d/.wh..wh..opq"), file("d/new", "new")]
        },
        HostileImageCase(name: "opaque marker as a symlink to the host", outcome: .merges(present: ["d/new"], absent: ["d/base"])) { target in
            [dir("d"), symlink("d/.wh..wh..opq", to: target.directory), file("d/new", "new")]
        },
        HostileImageCase(name: "opaque marker with data", outcome: .merges(present: ["d/new"], absent: ["d/base"])) { _ in
            [dir("d"), file("d/.wh..wh..opq", "data that is not a marker's"), file("d/new", "new")]
        },
        HostileImageCase(name: "opaque marker as a hard link", outcome: .merges(present: ["other=x", "d/new"], absent: ["d/base"])) { _ in
            [file("other", "x"), dir("d"), hardlink("d/.wh..wh..opq", to: "other"), file("d/new", "new")]
        },
        HostileImageCase(name: "whiteout as a symlink to the host", outcome: .merges(present: ["keep=keep"], absent: ["d/base"])) { target in
            [dir("d"), symlink("d/.wh.base", to: target.directory + "/" + target.secretName)]
        },
        HostileImageCase(name: "whiteout as a character device 0/0", outcome: .merges(present: ["d"], absent: ["d/base"])) { _ in
            [dir("d"), device("d/base")]
        },
        HostileImageCase(name: "AUFS metadata is skipped", outcome: .merges(present: ["d/base=base", "keep=keep"], absent: [".wh..wh.plnk"])) { target in
            [dir(".wh..wh.plnk"), symlink(".wh..wh.plnk/host", to: target.directory), file(".wh..wh.aufs", "")]
        },
        HostileImageCase(name: "whiteout holding entries", outcome: .refused("cannot hold other entries")) { _ in
            [dir("d"), dir("d/.wh.base"), file("d/.wh.base/inner", "x")]
        },
        HostileImageCase(name: "whiteout of '..'", outcome: .refused("whiteout of an invalid name")) { _ in
            [dir("d"), file("d/.wh...", "")]
        },
        HostileImageCase(name: "whiteout of an empty name", outcome: .refused("whiteout of an invalid name")) { _ in
            [dir("d"), file("d/.wh.", "")]
        },
    ]

@Suite struct HostileImageTests {
    static let baseMembers = [dir("d"), file("d/base", "base"), file("keep", "keep")]

    /// Imports the hostile image (or sees it refused), then, where it was imported, mounts it with
    /// `lamina mount` and looks: what the OCI entries say is there, no host file, no overlay xattr
    /// in the store, and the host directory unchanged.
    @Test(arguments: hostileImageCases)
    func hostileImageReachesNothing(_ hostile: HostileImageCase) throws {
        let temp = TemporaryDirectory()
        let target = try HostTarget(in: temp)
        let before = try treeListing(target.directory)
        let base = try LayerFixture.make(Self.baseMembers, in: temp.sub("layers"))
        let top = try LayerFixture.make(hostile.top(target), in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "hostile:1", layers: [base, top])
        let storeRoot = temp.sub("store")
        let store = try ImageStore(root: storeRoot)

        switch hostile.outcome {
        case .refused(let expected):
            #expect { try store.importLayout(at: image.layout) } throws: { "\($0)".contains(expected) }
            #expect(try store.images().isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: storeRoot + "/layers/sha256").isEmpty)
        case .merges(let present, let absent):
            try store.importLayout(at: image.layout)
            #expect(try overlayAttributes(under: storeRoot + "/layers").isEmpty)
            guard let lamina = laminaExecutable, canMountWithFUSE else { break }
            let mountPoint = temp.sub("mnt")
            try run(lamina, ["mount", "--store", storeRoot, "hostile:1", mountPoint])
            defer { TestUnmount.unmount(mountPoint) }
            #expect(target.leaks(in: mountPoint).isEmpty, "host files in the merged view: \(target.leaks(in: mountPoint))")
            for expected in present {
                let parts = expected.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let path = mountPoint + "/" + parts[0]
                #expect((try? PosixCall.lstat(path)) != nil, "\(parts[0]) should be in the merged view")
                if parts.count == 2 {
                    #expect(FileManager.default.contents(atPath: path) == Data(parts[1].utf8), "\(parts[0]) content")
                }
            }
            for name in absent {
                #expect((try? PosixCall.lstat(mountPoint + "/" + name)) == nil, "\(name) should not be in the merged view")
            }
            #expect(try treeListing(mountPoint).allSatisfy { !$0.contains(".wh.") }, "no whiteout shows")
        }
        #expect(try treeListing(target.directory) == before, "the host directory changed")
    }

    /// Extended attributes a layer may carry: capabilities, ACLs and `user.*` are written; labels,
    /// `trusted.*` and the overlay's own are not.
    @Test(.enabled(if: Privilege.current == .hostRoot, "needs root to read back security.* and trusted.*"))
    func attributePolicy() throws {
        let temp = TemporaryDirectory()
        let capability: [UInt8] = [1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        var tool = file("tool", "#!")
        tool.0.extendedAttributes = [
            ("security.capability", capability), ("security.selinux", Array("system_u:object_r:shadow_t:s0".utf8)),
            ("security.ima", [3, 2, 1]), ("trusted.glusterfs.volume-id", [1]), ("trusted.overlay.origin", [0]),
            ("user.overlay.redirect", Array("/x".utf8)), ("user.fuseoverlayfs.opaque", Array("y".utf8)),
            ("user.kept", Array("yes".utf8)),
        ]
        let layer = try LayerFixture.make([tool], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "attributes:1", layers: [layer])
        let store = try ImageStore(root: temp.sub("store"))
        try store.importLayout(at: image.layout)
        let root = try FileDescriptor.open(store.layerPath(layer.diffID), flags: O_RDONLY | O_DIRECTORY)
        defer { root.close() }
        #expect(try root.extendedAttributeNames(of: "tool").sorted() == ["security.capability", "user.kept"])
        #expect(try root.extendedAttribute("security.capability", of: "tool") == capability)
    }

    /// Every overlay-private xattr on any entry below `root`, as "path: name".
    private func overlayAttributes(under root: String) throws -> [String] {
        var found: [String] = []
        let directory = try FileDescriptor.open(root, flags: O_RDONLY | O_DIRECTORY)
        defer { directory.close() }
        walkTree(root) { relative, _ in
            let names = (try? directory.extendedAttributeNames(of: relative)) ?? []
            for name in names where overlayPrefixes.contains(where: { name.hasPrefix($0) }) {
                found.append("\(relative): \(name)")
            }
        }
        return found
    }
}

/// Mount tests here need root (or a user allowed /dev/fuse) and fusermount3.
let canMountWithFUSE = access("/dev/fuse", R_OK | W_OK) == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/fusermount3")

/// Calls `body` with the path (relative to `root`) and lstat of every entry below `root`, never
/// following a symbolic link (one in a hostile image may point anywhere on the host).
func walkTree(_ root: String, relative: String = "", _ body: (String, stat) -> Void) {
    let directory = relative.isEmpty ? root : root + "/" + relative
    for name in ((try? MountCalls.directoryNames(directory)) ?? []).sorted() {
        let path = relative.isEmpty ? name : relative + "/" + name
        guard let info = try? PosixCall.lstat(root + "/" + path) else { continue }
        body(path, info)
        if info.st_mode & S_IFMT == S_IFDIR { walkTree(root, relative: path, body) }
    }
}
