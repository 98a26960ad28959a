import Foundation
import LaminaSystem
import Testing
import LaminaTestSupport
@testable import LaminaImage

/// Overlay markers already on disk in a layer directory (a layer some other tool wrote, or
/// podman's store under `lamina-overlayfs`): the engine must validate a redirect as the kernel
/// does, so that none reaches outside the layer stack, in a read-only view or a writable one.
struct HostileMarkerCase: CustomTestStringConvertible, Sendable {
    var name: String
    /// Marks the top layer (a directory tree with `d/` and `keep`) given the base layer's root and the target.
    var mark: @Sendable (_ top: String, _ base: String, _ target: HostTarget) throws -> Void
    var testDescription: String { name }
}

private func setMarker(_ path: String, _ name: String, _ value: String) throws {
    try PosixCall.setExtendedAttribute(path, name: name, value: Array(value.utf8))
}

let hostileMarkerCases: [HostileMarkerCase] = ["trusted.overlay.", "user.overlay.", "user.fuseoverlayfs."].flatMap { prefix in
    [
        HostileMarkerCase(name: "\(prefix)redirect climbing with '..'") { top, _, target in
            try setMarker(top + "/d", prefix + "redirect", target.climbingPath)
        },
        HostileMarkerCase(name: "\(prefix)redirect ../../../../etc") { top, _, _ in
            try setMarker(top + "/d", prefix + "redirect", "../../../../etc")
        },
        HostileMarkerCase(name: "\(prefix)redirect absolute with '..'") { top, _, target in
            try setMarker(top + "/d", prefix + "redirect", "/" + target.climbingPath)
        },
        HostileMarkerCase(name: "\(prefix)redirect absolute through a symlink") { top, base, target in
            try PosixCall.symbolicLink(target: target.directory, at: base + "/lnk")
            try setMarker(top + "/d", prefix + "redirect", "/lnk")
        },
        HostileMarkerCase(name: "\(prefix)redirect absolute through a symlink, one level down") { top, base, target in
            try PosixCall.symbolicLink(target: target.directory, at: base + "/lnk")
            try setMarker(top + "/d", prefix + "redirect", "/lnk/sub")
        },
        HostileMarkerCase(name: "\(prefix)redirect through a relative symlink") { top, base, _ in
            try PosixCall.symbolicLink(target: String(repeating: "../", count: 24) + "etc", at: base + "/up")
            try setMarker(top + "/d", prefix + "redirect", "/up")
        },
        HostileMarkerCase(name: "\(prefix)redirect with empty and '.' components") { top, _, target in
            try setMarker(top + "/d", prefix + "redirect", "//./" + target.climbingPath)
        },
        HostileMarkerCase(name: "\(prefix)redirect of a nested directory to the root's parent") { top, _, _ in
            try FileManager.default.createDirectory(atPath: top + "/d/e", withIntermediateDirectories: true)
            try setMarker(top + "/d/e", prefix + "redirect", "..")
        },
    ]
}

@Suite(.serialized, .enabled(if: Privilege.current == .hostRoot && canMountWithFUSE && laminaExecutable != nil,
                             "needs root (to set trusted.* markers), /dev/fuse and the lamina executable"))
struct HostileLayerTests {
    /// Builds base (`d/base`, `keep`) and top (`d/`, marked) layers and a host target beside them.
    private func layers(_ hostile: HostileMarkerCase, in temp: TemporaryDirectory) throws -> (top: String, base: String, target: HostTarget) {
        let target = try HostTarget(in: temp)
        let base = temp.sub("base"), top = temp.sub("top")
        try FileManager.default.createDirectory(atPath: base + "/d", withIntermediateDirectories: true)
        try Data("base".utf8).write(to: URL(fileURLWithPath: base + "/d/base"))
        try Data("keep".utf8).write(to: URL(fileURLWithPath: base + "/keep"))
        try FileManager.default.createDirectory(atPath: top + "/d", withIntermediateDirectories: true)
        try hostile.mark(top, base, target)
        return (top, base, target)
    }

    /// A read-only view shows no host file, wherever the marker points.
    @Test(arguments: hostileMarkerCases)
    func readOnlyViewShowsNoHostFile(_ hostile: HostileMarkerCase) throws {
        let temp = TemporaryDirectory()
        let (top, base, target) = try layers(hostile, in: temp)
        let before = try treeListing(target.directory)
        let mountPoint = temp.sub("mnt")
        try run(laminaExecutable ?? "", ["mount", "--lower", top + ":" + base, mountPoint])
        defer { TestUnmount.unmount(mountPoint) }
        let leaks = target.leaks(in: mountPoint)
        #expect(leaks.isEmpty, "host files in the merged view: \(leaks)")
        #expect(FileManager.default.contents(atPath: mountPoint + "/keep") == Data("keep".utf8), "the rest of the view still works")
        #expect(try treeListing(target.directory) == before, "the host directory changed")
    }

    /// A writable view on the same layers: writing into the marked directory (copy-up of what it
    /// shows, new files) changes nothing outside the upper layer.
    @Test(arguments: hostileMarkerCases)
    func writableViewChangesNoHostFile(_ hostile: HostileMarkerCase) throws {
        let temp = TemporaryDirectory()
        let (top, base, target) = try layers(hostile, in: temp)
        let before = try treeListing(target.directory)
        let etcBefore = try String(contentsOfFile: "/etc/hostname", encoding: .utf8)
        let mountPoint = temp.sub("mnt"), upper = temp.sub("upper"), work = temp.sub("work")
        try run(laminaExecutable ?? "", ["mount", "--lower", top + ":" + base, "--upper", upper, "--work", work, mountPoint])
        defer { TestUnmount.unmount(mountPoint) }
        let shown = target.leaks(in: mountPoint)
        #expect(shown.isEmpty, "host files in the writable view: \(shown)")
        // What a container would try: append to whatever shows, and drop new files beside it.
        _ = try? run("/bin/sh", ["-c", """
            cd '\(mountPoint)' || exit 0
            for f in d/* d/*/* d/e/*; do [ -f "$f" ] && echo planted >> "$f"; done
            echo planted > d/planted; echo planted > d/e/planted; echo planted > d/sub/planted
            rm -f d/\(target.secretName) d/nested d/sub/nested
            exit 0
            """])
        let leaks = target.leaks(in: mountPoint)
        #expect(leaks.isEmpty, "host files in the view after writing: \(leaks)")
        #expect(try treeListing(target.directory) == before, "the host directory changed")
        #expect(try String(contentsOfFile: "/etc/hostname", encoding: .utf8) == etcBefore, "/etc/hostname changed")
        #expect(!FileManager.default.fileExists(atPath: "/etc/planted") && !FileManager.default.fileExists(atPath: target.directory + "/planted"))
    }
}
