import Foundation
import Glibc
import LaminaLayerIndex
import LaminaSystem
import Testing

/// `lamina-overlayfs -o lowerindex=`: layers read through their layer indexes (as `lamina mount`
/// reads store layers) show what kernel overlayfs shows of the same layers (a device whiteout, an
/// opaque directory, symlinks, hard links, file data read from the directories), and the index,
/// not the directory, says which names a layer has: a file added after the index was built stays
/// out of the view, while a mount of the same layers as plain directories shows it. An index that
/// disagrees with its directory reaches no host file and blocks on no FIFO.
@Suite("Layers read through lowerindex=", TestHost.mountComparisons, .serialized)
struct LayerIndexMountTests {
    static let layers = [
        "mkdir -p d/e o; echo one > d/a; echo two > d/b; echo three > d/e/c; ln -s a d/link; ln d/a d/hard; echo hidden > o/x",
        "mkdir -p d o; mknod d/b c 0 0; echo new > d/new; setfattr -n trusted.overlay.opaque -v y o; echo shown > o/y",
    ]

    @Test("the view through layer indexes is kernel overlayfs's view of the same layers")
    func indexedViewMatchesKernel() throws {
        let scratch = try ScratchDirectory("lowerindex")
        defer { scratch.remove() }
        let lowers = try MountedStack.build(Self.layers, in: scratch.directory("layers"), scratch: scratch)
        let indexOption = try LowerIndexes.option(for: lowers)
        let reference = try Self.snapshot(.kernel(options: []), lowers, scratch, "kernel")
        // The bottom layer (listed last) gains a file its index does not know.
        try "late\n".write(toFile: lowers[lowers.count - 1] + "/d/late", atomically: false, encoding: .utf8)
        let indexed = try Self.snapshot(
            .implementation(.laminaOverlayfs, options: [indexOption]), lowers, scratch, "indexed")
        let plain = try Self.snapshot(.implementation(.laminaOverlayfs), lowers, scratch, "plain")

        #expect(reference.entries["d/new"] != nil && reference.entries["d/b"] == nil && reference.entries["o/x"] == nil,
                "fixture: the kernel shows the upper file and hides the whiteout and the opaque directory's lower file")
        let differences = TreeComparison(
            referenceName: "kernel overlayfs", candidateName: "lamina-overlayfs with lowerindex=",
            policy: .visible(threshold: LayerStackFixture.epoch)
        ).differences(reference, indexed)
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        #expect(plain.entries["d/late"] != nil, "fixture: read as directories, the layers show the file added late")
    }

    @Test("lowerindex= needs one entry per lower directory and refuses a file that is not an index")
    func refusesMismatchedIndexes() throws {
        let scratch = try ScratchDirectory("lowerindex-bad")
        defer { scratch.remove() }
        let lowers = try MountedStack.build(Self.layers, in: scratch.directory("layers"), scratch: scratch)
        try "not an index".write(toFile: scratch.directory("x") + "/bogus", atomically: false, encoding: .utf8)
        for (number, (option, expected)) in [("lowerindex=" + lowers[0] + "/d/a", "index files for"),
                                             ("lowerindex=:" + scratch.path + "/x/bogus", "layer index")].enumerated() {
            let mountpoint = try scratch.directory("m\(number)")
            let program = try ImplementationUnderTest.laminaBinary("lamina-overlayfs")
            let result = try Command.run(program, ["-o", "lowerdir=" + lowers.joined(separator: ":") + "," + option, mountpoint], timeout: .seconds(60))
            #expect(result.status != 0, "mounted with \(option)")
            #expect(result.transcript.contains(expected), "\(option): \(result.transcript)")
            if MountInfo.mount(at: mountpoint) != nil { _ = try? Command.run("fusermount3", ["-u", mountpoint], timeout: .seconds(60)) }
        }
    }

    /// An index that does not describe its directory (built from other content, or the directory
    /// changed under it) is checked for integrity only, so the mount must hold on its own: where
    /// the index says "regular file" or "directory" and the directory holds a symlink to a host
    /// file or directory, nothing of the host is read, and where the directory holds a FIFO, the
    /// read fails at once instead of blocking a daemon thread on a pipe nobody writes.
    @Test("an index that disagrees with its directory shows nothing of the host and hangs nothing")
    func disagreeingIndexReachesNoHostFile() throws {
        let scratch = try ScratchDirectory("lowerindex-hostile")
        defer { scratch.remove() }
        let host = try HostSecret(in: scratch)
        // What the index says: plain files and a directory.
        let described = try scratch.directory("described")
        try Command.check("sh", ["-c", "mkdir e && echo decoy > f && echo decoy > e/s && echo decoy > p"], in: described)
        // What the directory holds under the same names.
        let layer = try scratch.directory("layer")
        try Command.check("sh", ["-c", "ln -s \(host.file) f && ln -s \(host.directory) e && mkfifo p"], in: layer)
        let index = scratch.path + "/layer.index"
        try LayerIndexBuilder.walking(described).write(to: index)

        let layout = OverlayLayout(lowers: [layer], upper: nil, work: nil, mountpoint: try scratch.directory("m"))
        let mount = try OverlayMount(.implementation(.laminaOverlayfs, options: ["lowerindex=" + index]), layout: layout)
        defer { mount.unmount() }
        try host.expectUnreadable(["f", "e/s", "p"], under: layout.mountpoint)
        let listing = try Command.run("ls", ["-A", layout.mountpoint + "/e"], timeout: .seconds(20))
        #expect(listing.output.split(separator: "\n") == ["s"], "e lists what its index says: \(listing.transcript)")
        // Still serving after all that.
        #expect(MountInfo.mount(at: layout.mountpoint) != nil)
        #expect(FileManager.default.fileExists(atPath: layout.mountpoint + "/e/s"))
    }

    static func snapshot(_ kind: OverlayMount.Kind, _ lowers: [String], _ scratch: ScratchDirectory, _ name: String) throws -> TreeSnapshot {
        let layout = OverlayLayout(lowers: lowers, upper: nil, work: nil, mountpoint: try scratch.directory(name))
        let mount = try OverlayMount(kind, layout: layout)
        defer { mount.unmount() }
        return TreeSnapshot.capture(layout.mountpoint)
    }
}
