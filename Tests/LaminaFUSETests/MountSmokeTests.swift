import Foundation
import Glibc
import LaminaSystem
import LaminaTestSupport
import Testing
@testable import LaminaFUSE

/// The mount commands end to end: `lamina mount` and `lamina-overlayfs` return with the mount live,
/// what they show matches kernel overlayfs, and bad input mounts nothing.
@Suite(TestHost.mountComparisons, .serialized) struct MountSmokeTests {
    /// Two lower layers: `a` in both (the top one wins), `b` only below.
    private func makeLowerLayers(in scratch: ScratchDirectory) throws -> (top: String, bottom: String) {
        let top = try scratch.directory("top")
        let bottom = try scratch.directory("bottom")
        try Data("from the top layer\n".utf8).write(to: URL(fileURLWithPath: top + "/a"))
        try Data("from the bottom layer\n".utf8).write(to: URL(fileURLWithPath: bottom + "/a"))
        try Data("only below\n".utf8).write(to: URL(fileURLWithPath: bottom + "/b"))
        return (top, bottom)
    }

    private func view(of directory: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            result[name] = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        }
        return result
    }

    /// `lamina unmount`, retried while the mount is busy (another test starting a container holds
    /// a copy of every mount for a moment); a mount that stays busy fails the test, detached.
    private func unmount(_ mountPoint: String) throws {
        let lamina = try ImplementationUnderTest.laminaBinary("lamina")
        let failure = TestUnmount.retryingWhileBusy {
            guard MountInfo.mount(at: mountPoint) != nil else { return nil }
            let result = try? Command.run(lamina, ["unmount", mountPoint])
            return result?.status == 0 ? nil : result?.transcript ?? "did not run"
        }
        if let failure {
            try? KernelMount.unmount(mountPoint, detach: true)
            Issue.record("lamina unmount \(mountPoint): \(failure)")
        }
    }

    @Test func readOnlyStackMatchesKernelOverlayfs() throws {
        let scratch = try ScratchDirectory("smoke-ro")
        defer { scratch.remove() }
        let layers = try makeLowerLayers(in: scratch)
        let lamina = try scratch.directory("lamina")
        let kernel = try scratch.directory("kernel")

        let result = try Command.run(
            try ImplementationUnderTest.laminaBinary("lamina"),
            ["mount", "--lower", "\(layers.top):\(layers.bottom)", lamina], timeout: .seconds(60))
        defer { try? unmount(lamina) }
        #expect(result.status == 0, "lamina mount failed: \(result.transcript)")
        #expect(MountInfo.mount(at: lamina) != nil, "the mount is not live when `lamina mount` returns")

        try Command.check("mount", ["-t", "overlay", "overlay", "-o", "lowerdir=\(layers.top):\(layers.bottom)", kernel])
        defer { _ = try? Command.run("umount", [kernel]) }

        let expected = try view(of: kernel)
        #expect(expected["a"] == "from the top layer\n")
        #expect(try view(of: lamina) == expected)

        #expect(throws: (any Error).self) {
            try Data("x".utf8).write(to: URL(fileURLWithPath: lamina + "/c"))
        }
        try unmount(lamina)
        #expect(MountInfo.mount(at: lamina) == nil)
    }

    @Test func overlayfsCommandWritesToTheUpperDirectory() throws {
        let scratch = try ScratchDirectory("smoke-rw")
        defer { scratch.remove() }
        let layers = try makeLowerLayers(in: scratch)
        let upper = try scratch.directory("upper")
        let work = try scratch.directory("work")
        let merged = try scratch.directory("merged")

        let result = try Command.run(
            try ImplementationUnderTest.laminaBinary("lamina-overlayfs"),
            ["-o", "lowerdir=\(layers.top):\(layers.bottom),upperdir=\(upper),workdir=\(work)", merged],
            timeout: .seconds(60))
        defer { try? unmount(merged) }
        #expect(result.status == 0, "lamina-overlayfs failed: \(result.transcript)")
        #expect(
            MountInfo.mount(at: merged)?.type == "fuse.lamina-overlayfs",
            "not in the mount table after the command returned: \(MountInfo.current().filter { $0.type.hasPrefix("fuse") })")

        try Data("new\n".utf8).write(to: URL(fileURLWithPath: merged + "/c"))
        try unmount(merged)
        #expect(try String(contentsOfFile: upper + "/c", encoding: .utf8) == "new\n")
        #expect(try String(contentsOfFile: layers.bottom + "/b", encoding: .utf8) == "only below\n")
    }

    @Test func badInputMountsNothing() throws {
        let scratch = try ScratchDirectory("smoke-bad")
        defer { scratch.remove() }
        let layers = try makeLowerLayers(in: scratch)
        let upper = try scratch.directory("upper")
        let work = try scratch.directory("work")
        let merged = try scratch.directory("merged")
        try Data("leftover".utf8).write(to: URL(fileURLWithPath: work + "/stray"))

        let result = try Command.run(
            try ImplementationUnderTest.laminaBinary("lamina"),
            ["mount", "--lower", layers.top, "--upper", upper, "--work", work, merged], timeout: .seconds(60))
        defer { try? unmount(merged) }
        #expect(result.status != 0)
        #expect(result.errorOutput == "lamina mount: work directory \(work) is not empty (it holds stray); use an empty directory\n")
        #expect(MountInfo.mount(at: merged) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: upper).isEmpty)
    }
}
