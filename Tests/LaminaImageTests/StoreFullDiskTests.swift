import Foundation
import Glibc
import LaminaSystem
import Testing
@testable import LaminaImage

/// A store on a full file system (its own 4 MiB tmpfs): an import that does not fit fails with an
/// error that says the disk is full, and loses nothing: the images already there still resolve and
/// read, the failed import's partial blobs and layers are gone (the free space is back), and the
/// store takes the next image that fits.
@Suite(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
struct StoreFullDiskTests {
    @Test func anImportThatDoesNotFitLosesNothing() throws {
        let temp = TemporaryDirectory()
        let device = temp.sub("small-disk")
        try KernelMount.mount(source: "tmpfs", target: device, type: "tmpfs", options: "size=4m")
        defer { try? KernelMount.unmount(device, detach: true) }

        let kept = try LayerFixture.make([file("hello", "world\n")], in: temp.sub("kept-layers"))
        let keptImage = try ImageFixture.make(at: temp.sub("kept-layout"), name: "kept:1", layers: [kept])
        // 6 MiB that do not compress: the blob alone is more than the disk holds.
        var generator = SystemRandomNumberGenerator()
        let words = (0..<((6 << 20) / 8)).map { _ in generator.next() as UInt64 }
        var big = file("big", "")
        big.1 = words.withUnsafeBytes { Array($0) }
        let bigLayer = try LayerFixture.make([big], in: temp.sub("big-layers"))
        let bigImage = try ImageFixture.make(at: temp.sub("big-layout"), name: "big:1", layers: [kept, bigLayer])

        let store = try ImageStore(root: device + "/store")
        _ = try store.importLayout(at: keptImage.layout)
        let before = try Self.freeBytes(device)

        let error = #expect(throws: ImageError.self) { try store.importLayout(at: bigImage.layout) }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("No space left on device"), "the error says why: \(message)")

        #expect(try store.images().compactMap(\.name) == ["kept:1"])
        let root = try #require(try store.layerDirectories(for: "kept:1").first)
        #expect(FileManager.default.contents(atPath: root + "/hello") == Data("world\n".utf8))
        let after = try Self.freeBytes(device)
        #expect(after + (64 << 10) >= before, "the failed import left \((before - after) >> 10) KiB behind")
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: store.stagingDirectory)) ?? []
        #expect(staging.isEmpty, "left in staging: \(staging)")

        let next = try LayerFixture.make([file("next", "fits\n")], in: temp.sub("next-layers"))
        let nextImage = try ImageFixture.make(at: temp.sub("next-layout"), name: "next:1", layers: [kept, next])
        _ = try store.importLayout(at: nextImage.layout)
        #expect(try store.images().compactMap(\.name).sorted() == ["kept:1", "next:1"])
        let nextRoot = try #require(try store.layerDirectories(for: "next:1").first, "top-most first")
        #expect(FileManager.default.contents(atPath: nextRoot + "/next") == Data("fits\n".utf8))
    }

    static func freeBytes(_ path: String) throws -> Int {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw SystemError("statvfs", errno: errno, path: path) }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }
}
