import Foundation
import Glibc
import LaminaSystem
import Synchronization
import Testing

/// The daemon killed with SIGKILL while a process copies a large lower file up and creates files:
/// the same layers mount again at once, the lower layers are unchanged, no work-directory leftover
/// shows, and what the mount shows is whole: the large file is its lower content (the copy-up
/// never reached the upper layer) or starts with all of it (the copy-up was renamed into place
/// complete), and each new file holds a prefix of what was written to it.
@Suite("Daemon killed mid-write", TestHost.mountComparisons, .serialized)
struct DaemonKillTests {
    static let bigBytes = 64 << 20

    /// `creates`: 0 kills the daemon 30 ms into the 64 MiB copy-up; 20, once 20 files were made.
    @Test("kill -9 during a copy-up and creates: remount shows whole files",
          arguments: ImplementationUnderTest.laminaFrontEnds, [0, 20])
    func killedMidWrite(_ implementation: ImplementationUnderTest, creates: Int) throws {
        let scratch = try ScratchDirectory("killed")
        defer { scratch.remove() }
        let lowers = try MountedStack.build(
            ["mkdir dir; head -c \(Self.bigBytes) /dev/zero | tr '\\0' L > dir/big"],
            in: scratch.directory("killed") + "/lower", scratch: scratch)
        let guardian = LowerGuard(layers: lowers)
        let writable = try scratch.directory("writable")
        let layout = OverlayLayout(lowers: lowers, upper: writable + "/upper", work: writable + "/work",
                                   mountpoint: try scratch.directory("merged"))
        for directory in [writable + "/upper", writable + "/work"] { try PosixCall.makeDirectory(directory) }
        let first = try OverlayMount(.implementation(implementation), layout: layout)
        let pid = try #require(first.daemonPID)

        let mountpoint = layout.mountpoint
        let created = Mutex<Int>(0)
        let writer = Thread {
            if let big = try? FileDescriptor.open(mountpoint + "/dir/big", flags: O_WRONLY | O_APPEND) {
                _ = try? big.write(Array("appended\n".utf8), at: 0)
                big.close()
            }
            for index in 0..<100_000 {
                guard let file = try? FileDescriptor.open(
                    mountpoint + "/dir/new\(index)", flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644) else { return }
                _ = try? file.write(Array(Self.content(index).utf8), at: 0)
                file.close()
                created.withLock { $0 = index + 1 }
            }
        }
        writer.start()
        if creates == 0 { usleep(30_000) }
        for _ in 0..<500 where created.withLock({ $0 }) < creates { usleep(10_000) }
        _ = try ProcessCalls.signal(pid, SIGKILL)
        first.unmount()
        for _ in 0..<500 where !writer.isFinished { usleep(10_000) }
        #expect(writer.isFinished, "the writer ended once the daemon was gone")

        let second = try OverlayMount(.implementation(implementation), layout: layout)
        defer { second.unmount() }
        let big = try FileDescriptor.open(mountpoint + "/dir/big", flags: O_RDONLY)
        let bytes = try TreeSnapshot.readAll(big)
        big.close()
        let lower = [UInt8](repeating: UInt8(ascii: "L"), count: Self.bigBytes)
        #expect(bytes.count >= Self.bigBytes && Array(bytes.prefix(Self.bigBytes)) == lower,
                "dir/big is whole: \(bytes.count) bytes, lower prefix \(Array(bytes.prefix(Self.bigBytes)) == lower)")
        let names = try FileManager.default.contentsOfDirectory(atPath: mountpoint + "/dir")
        #expect(!names.contains { $0.hasPrefix("#lamina") }, "no work-directory name shows: \(names.filter { $0.hasPrefix("#") })")
        var torn: [String] = []
        for name in names where name.hasPrefix("new") {
            let text = try String(contentsOfFile: mountpoint + "/dir/" + name, encoding: .utf8)
            if let index = Int(String(name.dropFirst(3))), !Self.content(index).hasPrefix(text) { torn.append("\(name): \(text)") }
        }
        #expect(torn.isEmpty, "\(torn.prefix(5))")
        #expect(names.count >= created.withLock { $0 }, "every create the writer saw finish is there")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: writable + "/work").filter { $0.hasPrefix("#lamina") }
        #expect(leftovers.isEmpty, "the remount cleared the work directory: \(leftovers)")
        second.unmount()
        #expect(second.problems.isEmpty, "\(second.problems)")
        #expect(guardian.changes(by: "killed").isEmpty)
        print("\(implementation.displayName): killed after \(created.withLock { $0 }) creates; remount shows \(names.count) names, dir/big \(bytes.count) bytes")
    }

    static func content(_ index: Int) -> String { "file \(index): " + String(repeating: "x", count: 100) + "\n" }
}
