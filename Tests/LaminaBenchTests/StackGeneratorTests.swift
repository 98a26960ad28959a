import Foundation
import LaminaSystem
import Testing

@testable import LaminaBench

/// The generator is seeded and cached, and its own model of the merged view (which workloads pick
/// targets from) agrees with what kernel overlayfs shows for the stack.
@Suite(.serialized, .enabled(if: geteuid() == 0, "needs root: whiteouts are 0/0 devices, the check mounts overlayfs"))
struct StackGeneratorTests {
    static let shape = StackShape(layers: 5, filesPerLayer: 200, fanout: 3, bigDirectoryEntries: 103,
                                  bigFileBytes: 1 << 20, seed: 7)

    private func scratch() throws -> String {
        let path = "/tmp/lamina-bench-generator-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try PosixCall.makeDirectory(path)
        return path
    }

    /// Every entry of a tree with its type and size, relative to `root`.
    private func listing(_ root: String, _ relative: String = "") throws -> [String] {
        var result: [String] = []
        let stream = try DirectoryStream(root + relative)
        while let entry = try stream.next() {
            let status = try stream.lstat(entry.name)
            let path = relative + "/" + entry.name
            result.append("\(path) \(status.st_mode) \(status.st_size) \(status.st_rdev)")
            if status.st_mode & S_IFMT == S_IFDIR { result += try listing(root, path) }
        }
        return result.sorted()
    }

    @Test func sameSeedGivesTheSameStackAndADifferentSeedDoesNot() throws {
        let first = try scratch(), second = try scratch()
        defer { _ = try? FileTree.remove(first); _ = try? FileTree.remove(second) }
        let a = try StackGenerator(cacheDirectory: first).stack(Self.shape) { _ in }
        let b = try StackGenerator(cacheDirectory: second).stack(Self.shape) { _ in }
        #expect(try listing(a.directory) == listing(b.directory))
        #expect(a.manifest.smallFiles == b.manifest.smallFiles)
        #expect(a.manifest.whiteouts > 0)
        #expect(a.manifest.opaqueDirectories > 0)
        var other = Self.shape
        other.seed = 8
        let c = try StackGenerator(cacheDirectory: second).stack(other) { _ in }
        #expect(c.manifest.smallFiles != a.manifest.smallFiles)
    }

    @Test func aCachedStackIsReusedNotRegenerated() throws {
        let cache = try scratch()
        defer { _ = try? FileTree.remove(cache) }
        var lines: [String] = []
        _ = try StackGenerator(cacheDirectory: cache).stack(Self.shape) { lines.append($0) }
        let generated = lines.count
        _ = try StackGenerator(cacheDirectory: cache).stack(Self.shape) { lines.append($0) }
        #expect(generated > 0)
        #expect(lines.count == generated)
    }

    @Test func manifestMatchesTheKernelOverlayView() throws {
        let cache = try scratch()
        defer { _ = try? FileTree.remove(cache) }
        let stack = try StackGenerator(cacheDirectory: cache).stack(Self.shape) { _ in }
        let mounter = OverlayMounter(runDirectory: cache, programs: [:])
        let mount = try mounter.mount(.kernel, stack)
        defer { _ = try? mount.unmount() }
        let merged = try listing(mount.path).compactMap { line -> String? in
            let fields = line.split(separator: " ")
            let path = String(fields[0].dropFirst())
            guard let mode = mode_t(fields[1]), mode & S_IFMT == S_IFREG,
                  path.hasPrefix("tree/") || path.hasPrefix("opaque/") else { return nil }
            return path
        }
        #expect(merged == stack.manifest.smallFiles)
        for path in stack.manifest.bottomFiles.prefix(50) {
            #expect((try? PosixCall.lstat(mount.path + "/" + path)) != nil)
        }
        let big = try DirectoryStream(mount.path + "/big").names()
        #expect(big.count == Self.shape.bigDirectoryEntries)
    }
}
