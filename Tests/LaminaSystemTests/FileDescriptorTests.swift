import Foundation
import Glibc
import Testing
@testable import LaminaSystem

/// A fresh temporary directory, open, removed at the end.
final class ScratchDirectory {
    let path: String
    let descriptor: FileDescriptor

    init() throws {
        var template = Array((NSTemporaryDirectory() + "lamina-system-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError.current("mkdtemp") }
        path = String(cString: made)
        descriptor = try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY)
    }

    deinit {
        descriptor.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}

@Suite struct FileDescriptorTests {
    @Test func errorsCarryOperationErrnoAndPath() throws {
        let scratch = try ScratchDirectory()
        #expect(throws: SystemError("open", errno: ENOENT, path: "missing/file")) {
            _ = try scratch.descriptor.open("missing/file", flags: O_RDONLY)
        }
        let error = SystemError("open", errno: ENOENT, path: "missing/file")
        #expect(error.description == "open missing/file: No such file or directory")
        #expect(try scratch.descriptor.statusIfPresent(of: "missing") == nil)
    }

    @Test func createWriteReadAndStat() throws {
        let scratch = try ScratchDirectory()
        let file = try scratch.descriptor.open("f", flags: O_RDWR | O_CREAT | O_EXCL, mode: 0o600)
        defer { file.close() }
        try file.write(Array("hello world".utf8), at: 0)
        #expect(try file.read(count: 5, at: 6) == Array("world".utf8))
        try file.truncate(to: 5)
        let status = try scratch.descriptor.status(of: "f")
        #expect(status.st_size == 5 && status.st_mode & 0o777 == 0o600)
        #expect(try file.status().st_ino == status.st_ino)
    }

    @Test func directoryRecordsListNamesAndTypes() throws {
        let scratch = try ScratchDirectory()
        try scratch.descriptor.makeDirectory("d", mode: 0o755)
        for index in 0..<500 {
            try scratch.descriptor.open("d/file-with-a-long-name-\(index)", flags: O_WRONLY | O_CREAT, mode: 0o644).close()
        }
        try scratch.descriptor.makeDirectory("d/sub", mode: 0o755)
        try scratch.descriptor.makeSymbolicLink("d/link", target: Array("sub".utf8))
        try scratch.descriptor.makeNode("d/fifo", mode: S_IFIFO | 0o644, device: 0)
        let directory = try scratch.descriptor.open("d", flags: O_RDONLY | O_DIRECTORY)
        defer { directory.close() }
        let records = try directory.directoryRecords()
        #expect(records.count == 503)
        let types = Dictionary(uniqueKeysWithValues: records.map { ($0.name, DirectoryRecord.fileType(of: $0.type)) })
        #expect(types["sub"] == S_IFDIR && types["link"] == S_IFLNK && types["fifo"] == S_IFIFO)
        #expect(types["file-with-a-long-name-499"] == S_IFREG)
        let sub = try #require(records.first { $0.name == "sub" })
        #expect(sub.inode == UInt64(try scratch.descriptor.status(of: "d/sub").st_ino))
    }

    @Test func extendedAttributesByPathAndDescriptor() throws {
        let scratch = try ScratchDirectory()
        try scratch.descriptor.makeDirectory("d", mode: 0o755)
        try scratch.descriptor.setExtendedAttribute("user.small", value: Array("1".utf8), of: "d")
        let large = [UInt8](repeating: 7, count: 3000)
        try scratch.descriptor.setExtendedAttribute("user.large", value: large, of: "d")
        #expect(Set(try scratch.descriptor.extendedAttributeNames(of: "d")) == ["user.small", "user.large"])
        #expect(try scratch.descriptor.extendedAttribute("user.large", of: "d") == large)
        #expect(try scratch.descriptor.extendedAttribute("user.none", of: "d") == nil)
        let directory = try scratch.descriptor.open("d", flags: O_RDONLY | O_DIRECTORY)
        defer { directory.close() }
        #expect(Set(try directory.extendedAttributeNames()) == ["user.small", "user.large"])
        #expect(try directory.extendedAttribute("user.small") == Array("1".utf8))
        try scratch.descriptor.removeExtendedAttribute("user.small", of: "d")
        #expect(try directory.extendedAttributeNames() == ["user.large"])
    }

    @Test func renameFlags() throws {
        let scratch = try ScratchDirectory()
        let root = scratch.descriptor
        for name in ["a", "b"] {
            let file = try root.open(name, flags: O_WRONLY | O_CREAT, mode: 0o644)
            try file.write(Array(name.utf8), at: 0)
            file.close()
        }
        #expect(throws: SystemError("rename", errno: EEXIST, path: "a")) {
            try root.rename("a", to: root, "b", flags: .noReplace)
        }
        try root.rename("a", to: root, "b", flags: .exchange)
        #expect(try root.open("a", flags: O_RDONLY).read(count: 1, at: 0) == Array("b".utf8))
        try root.rename("a", to: root, "c", flags: .whiteout)
        let whiteout = try root.status(of: "a")
        #expect(whiteout.st_mode & S_IFMT == S_IFCHR && whiteout.st_rdev == 0)
    }

    @Test func copyDataAndLinks() throws {
        let scratch = try ScratchDirectory()
        let root = scratch.descriptor
        let source = try root.open("source", flags: O_RDWR | O_CREAT, mode: 0o644)
        defer { source.close() }
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try source.write(bytes, at: 0)
        let copy = try root.open("copy", flags: O_RDWR | O_CREAT, mode: 0o644)
        defer { copy.close() }
        try copy.copyData(from: source)
        #expect(try copy.read(count: 400_000, at: 0) == bytes)
        try root.link("copy", to: root, "hard")
        #expect(try root.status(of: "hard").st_nlink == 2)
        try root.makeSymbolicLink("link", target: [0x66, 0xff, 0x6f])  // not UTF-8
        #expect(try root.readSymbolicLink("link") == [0x66, 0xff, 0x6f])
        try root.unlink("hard")
        #expect(try root.statusIfPresent(of: "hard") == nil)
    }

    @Test func ownerModeAndTimes() throws {
        let scratch = try ScratchDirectory()
        let root = scratch.descriptor
        try root.makeDirectory("d", mode: 0o700)
        try root.setOwner(of: "d", uid: 12, gid: 34)
        try root.setMode(0o751, of: "d")
        let when = timespec(tv_sec: 1_234_567_890, tv_nsec: 5)
        try root.setTimes(of: "d", access: FileDescriptor.timeOmitted, modification: when)
        let status = try root.status(of: "d")
        #expect(status.st_uid == 12 && status.st_gid == 34 && status.st_mode & 0o7777 == 0o751)
        #expect(status.st_mtim.tv_sec == 1_234_567_890 && status.st_mtim.tv_nsec == 5)
        try root.removeDirectory("d")
        #expect(try root.statusIfPresent(of: "d") == nil)
        #expect(DeviceNumber.major(DeviceNumber.make(major: 8, minor: 3)) == 8)
    }
}
