import Foundation
import LaminaSystem
import Testing
@testable import LaminaLayerIndex

#if canImport(Glibc)
import Glibc
#endif

/// The index of an unpacked directory answers what the directory itself answers: names, lstat,
/// xattrs, link targets, hard-link groups; OCI markers read as whiteouts and opaque flags.
@Suite struct DirectoryWalkTests {
    static let isRoot = geteuid() == 0

    func makeLayer(_ root: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/etc/sub", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/opaque", withIntermediateDirectories: true)
        try Data("hello".utf8).write(to: URL(fileURLWithPath: root + "/etc/hello"))
        try Data(repeating: 7, count: 70_000).write(to: URL(fileURLWithPath: root + "/etc/sub/big"))
        #expect(link(root + "/etc/hello", root + "/etc/hello.link") == 0)
        #expect(link(root + "/etc/hello", root + "/hello.root") == 0)
        #expect(symlink("../etc/hello\u{1}", root + "/etc/sym") == 0)
        #expect(mkfifo(root + "/etc/fifo", 0o640) == 0)
        #expect(chmod(root + "/etc/hello", 0o4751) == 0)
        let layer = try FileDescriptor.open(root, flags: O_RDONLY | O_DIRECTORY)
        defer { layer.close() }
        try layer.setExtendedAttribute("user.lamina", value: [0x76], of: "etc/hello")
        try layer.setExtendedAttribute("user.overlay.origin", value: [0x6F], of: "opaque")
        try Data().write(to: URL(fileURLWithPath: root + "/etc/.wh.gone"))
        try Data().write(to: URL(fileURLWithPath: root + "/opaque/.wh..wh..opq"))
        let odd: [UInt8] = [0x6F, 0xFF, 0x64, 0x64]  // not UTF-8
        let oddPath = Array((root + "/etc/").utf8) + odd + [0]
        let descriptor = oddPath.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o600) }
        #expect(descriptor >= 0)
        close(descriptor)
        if Self.isRoot {
            #expect(mknod(root + "/etc/null", S_IFCHR | 0o666, DeviceNumber.make(major: 1, minor: 3)) == 0)
            #expect(mknod(root + "/etc/whiteout", S_IFCHR, 0) == 0)
            #expect(chown(root + "/etc/sub", 1234, 5678) == 0)
        }
    }

    @Test func indexMatchesTheDirectory() throws {
        let scratch = ScratchDirectory()
        let root = scratch.path + "/layer"
        try makeLayer(root)
        let index = try LayerIndex(bytes: LayerIndexBuilder.walking(root).serialized())
        var seen = 0
        try compare(index, .root, path: root, seen: &seen)
        #expect(seen >= 10)

        // Markers.
        #expect(resolve(index, "etc/gone")?.kind == .whiteout)
        #expect(resolve(index, "etc/.wh.gone") == nil)
        #expect(index.isOpaque(try #require(index.directory(at: components("opaque")))))
        #expect(index.entries(of: try #require(index.directory(at: components("opaque")))).isEmpty)
        if Self.isRoot { #expect(resolve(index, "etc/whiteout")?.kind == .whiteout) }
        // Hard links: one file, three names.
        let hello = try #require(resolve(index, "etc/hello")?.file)
        #expect(resolve(index, "etc/hello.link")?.file == hello)
        #expect(resolve(index, "hello.root")?.file == hello)
        #expect(index.metadata(of: hello).linkCount == 3)
        // Overlay-private xattrs are not part of the layer.
        #expect(index.extendedAttributes(of: index.file(of: try #require(index.directory(at: components("opaque"))))).isEmpty)
    }

    /// Every name the directory holds (markers aside) is in the index with the same lstat, xattrs,
    /// and link target, and the index holds no other names.
    func compare(_ index: LayerIndex, _ directory: LayerDirectoryID, path: String, seen: inout Int) throws {
        let descriptor = try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY)
        defer { descriptor.close() }
        var expected: Set<FileName> = []
        for record in try descriptor.directoryRecords() {
            let info = try descriptor.status(of: record.name)
            let text = record.name.bytes
            if text.starts(with: Array(".wh.".utf8)) {
                // `.wh.NAME` is a whiteout entry NAME; `.wh..wh..opq` marks the directory.
                if text != Array(".wh..wh..opq".utf8), let hidden = FileName(bytes: text.dropFirst(4)) { expected.insert(hidden) }
                continue
            }
            if info.st_mode & S_IFMT == S_IFCHR && info.st_rdev == 0 {
                #expect(index.lookup(record.name, in: directory)?.kind == .whiteout)
                expected.insert(record.name)
                continue
            }
            expected.insert(record.name)
            seen += 1
            let entry = try #require(index.lookup(record.name, in: directory), "\(path)/\(record.name)")
            let file = try #require(entry.file)
            let metadata = index.metadata(of: file)
            #expect(metadata.mode == info.st_mode, "\(record.name)")
            #expect(metadata.uid == info.st_uid && metadata.gid == info.st_gid)
            #expect(metadata.modificationSeconds == Int64(info.st_mtim.tv_sec))
            #expect(metadata.modificationNanoseconds == UInt32(info.st_mtim.tv_nsec))
            if info.st_mode & S_IFMT != S_IFDIR {
                #expect(metadata.size == Int64(info.st_size))
                #expect(metadata.linkCount == UInt32(info.st_nlink))
            }
            if info.st_mode & S_IFMT == S_IFCHR {
                #expect(metadata.deviceMajor == DeviceNumber.major(info.st_rdev) && metadata.deviceMinor == DeviceNumber.minor(info.st_rdev))
            }
            if info.st_mode & S_IFMT == S_IFLNK {
                #expect(index.linkTarget(of: file) == (try descriptor.readSymbolicLink(record.name)))
            }
            if info.st_mode & S_IFMT == S_IFREG { #expect(index.content(of: file) == .inDirectory) }
            let names = try descriptor.extendedAttributeNames(of: record.name).filter { !$0.contains("overlay.") }
            #expect(Set(index.extendedAttributes(of: file).map(\.nameText)) == Set(names))
            if let child = index.directory(of: file) {
                try compare(index, child, path: path + "/" + record.name.description, seen: &seen)
            }
        }
        #expect(Set(index.entries(of: directory).map(\.name)) == expected)
    }

    @Test func writesAndMapsTheFile() throws {
        let scratch = ScratchDirectory()
        let root = scratch.path + "/layer"
        try makeLayer(root)
        let builder = try LayerIndexBuilder.walking(root)
        try builder.write(to: scratch.path + "/index")
        let mapped = try LayerIndex(path: scratch.path + "/index")
        #expect(mapped.byteCount == builder.serialized().count)
        #expect(resolve(mapped, "etc/sub/big").flatMap { $0.file }.map { mapped.metadata(of: $0).size } == 70_000)
    }
}
