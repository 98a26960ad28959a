import Foundation
import Glibc
import Testing

/// FUSE over io_uring (`-o uring=on`): with the kernel's machine-wide switch on (enable_uring=Y,
/// set for the test and put back after; other mounts only use the ring when they ask for it in
/// INIT, so tests running beside are unaffected), the daemon says it serves from the ring and
/// real work through the mount comes out right: creates, a 64 MiB file written and read back by
/// hash, renames, unlinks, a 2,000-entry listing, stat misses, and the merged tree of the lower
/// layers as kernel overlayfs shows it. It unmounts cleanly and holds no more descriptors or ring
/// threads after the work than before. With the switch off the same option mounts over /dev/fuse
/// and says so. Skipped with a message where the kernel has no FUSE over io_uring.
@Suite("FUSE over io_uring", TestHost.mountComparisons, .serialized)
struct URingTransportTests {
    static let parameter = "/sys/module/fuse/parameters/enable_uring"

    @Test("uring=on with enable_uring=Y serves from the ring, and the work through it comes out right")
    func servesFromTheRing() throws {
        try Self.withEnableURing("Y") {
            let scratch = try ScratchDirectory("uring-on")
            defer { scratch.remove() }
            let mounted = try PassthroughMount(scratch: scratch, lower: Self.fillLower, options: "uring=on", writable: true)
            defer { mounted.unmount() }
            let line = mounted.transportLine ?? "no transport line"
            try #require(line.contains("transport: io_uring, "), "\(line)")
            let ringThreads = Self.settledRingThreads(mounted.daemon.pid)
            #expect(ringThreads > 0, "no lamina-ring-N threads")
            try Self.compareWithKernelOverlay(lower: mounted.lower, merged: mounted.mountpoint, scratch: scratch)
            let before = try DaemonUsage.of(mounted.daemon.pid)

            try Self.exercise(mounted.mountpoint, scratch: scratch)

            let after = try DaemonUsage.waitForDescriptors(mounted.daemon.pid, atMost: before.descriptors)
            #expect(after.descriptors <= before.descriptors, "before: \(before); after: \(after)")
            #expect(Self.ringThreads(mounted.daemon.pid) == ringThreads)
            let unmount = try Command.run("fusermount3", ["-u", mounted.mountpoint], timeout: .seconds(60))
            #expect(unmount.status == 0, "\(unmount.transcript)")
            #expect(mounted.daemon.wait(timeout: .seconds(30)), "the daemon did not exit after the unmount")
            let result = mounted.daemon.result()
            #expect(result.status == 0, "\(result.errorOutput.suffix(2000))")
            #expect(!result.errorOutput.contains("io_uring: queue"), "\(result.errorOutput.suffix(2000))")
        }
    }

    @Test("uring=on with enable_uring=N mounts over /dev/fuse and says so")
    func fallsBackToDevFuse() throws {
        try Self.withEnableURing("N") {
            let scratch = try ScratchDirectory("uring-off")
            defer { scratch.remove() }
            let mounted = try PassthroughMount(scratch: scratch, lower: Self.fillLower, options: "uring=on", writable: true)
            defer { mounted.unmount() }
            let line = mounted.transportLine ?? "no transport line"
            #expect(line.contains("transport: /dev/fuse"), "\(line)")
            #expect(mounted.daemon.result().errorOutput.contains("does not offer FUSE over io_uring"))
            #expect(Self.ringThreads(mounted.daemon.pid) == 0)
            let path = mounted.mountpoint + "/written"
            try Data("through /dev/fuse\n".utf8).write(to: URL(fileURLWithPath: path))
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "through /dev/fuse\n")
            #expect(try String(contentsOfFile: mounted.mountpoint + "/top", encoding: .utf8) == "top\n")
        }
    }

    /// Two layers' worth in one lower directory: files, a directory with a nested file, a symlink.
    static func fillLower(_ directory: String) throws {
        try Data("top\n".utf8).write(to: URL(fileURLWithPath: directory + "/top"))
        try FileManager.default.createDirectory(atPath: directory + "/dir/sub", withIntermediateDirectories: true)
        try Data("nested\n".utf8).write(to: URL(fileURLWithPath: directory + "/dir/sub/nested"))
        try Data(repeating: 7, count: 200_000).write(to: URL(fileURLWithPath: directory + "/dir/medium"))
        #expect(symlink("dir/sub/nested", directory + "/link") == 0)
    }

    /// Creates, writes and reads back, renames, unlinks, lists 2,000 entries and misses names.
    static func exercise(_ root: String, scratch: ScratchDirectory) throws {
        let fileManager = FileManager.default
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: root + "/created"))
        #expect(try String(contentsOfFile: root + "/created", encoding: .utf8) == "hello\n")
        #expect(rename(root + "/created", root + "/renamed") == 0)
        #expect(rename(root + "/top", root + "/dir/top-moved") == 0, "rename of a lower file (copy-up)")
        #expect(try String(contentsOfFile: root + "/dir/top-moved", encoding: .utf8) == "top\n")
        #expect(unlink(root + "/renamed") == 0)
        #expect(unlink(root + "/dir/medium") == 0)
        #expect(!fileManager.fileExists(atPath: root + "/renamed") && !fileManager.fileExists(atPath: root + "/dir/medium"))

        try fileManager.createDirectory(atPath: root + "/many", withIntermediateDirectories: false)
        for index in 0..<2_000 {
            let fd = open(root + "/many/entry-\(index)", O_WRONLY | O_CREAT | O_EXCL, 0o644)
            try #require(fd >= 0, "create entry-\(index): \(String(cString: strerror(errno)))")
            close(fd)
        }
        let listed = try fileManager.contentsOfDirectory(atPath: root + "/many")
        #expect(listed.count == 2_000 && Set(listed) == Set((0..<2_000).map { "entry-\($0)" }))
        var status = stat()
        for index in 0..<500 {
            #expect(stat(root + "/many/missing-\(index)", &status) == -1 && errno == ENOENT)
        }

        // 64 MiB in 1 MiB writes, read back and compared by hash with the same bytes outside.
        let outside = try scratch.directory("outside") + "/big"
        let fd = open(outside, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        var block = [UInt8](repeating: 0, count: 1 << 20)
        var seed: UInt64 = 12
        for _ in 0..<64 {
            for index in stride(from: 0, to: block.count, by: 8) {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                withUnsafeBytes(of: seed) { bytes in
                    for offset in 0..<8 { block[index + offset] = bytes[offset] }
                }
            }
            #expect(block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == block.count)
        }
        close(fd)
        let copy = try Command.run("cp", [outside, root + "/big"], timeout: .seconds(120))
        #expect(copy.status == 0, "\(copy.transcript)")
        // Read back from the daemon, not the page cache.
        try Data("3\n".utf8).write(to: URL(fileURLWithPath: "/proc/sys/vm/drop_caches"))
        let hashes = try Command.run("sha256sum", [outside, root + "/big"], timeout: .seconds(120))
        let sums = hashes.output.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(sums.count == 2 && sums[0] == sums[1], "\(hashes.transcript)")
        #expect(stat(root + "/big", &status) == 0 && status.st_size == 64 << 20)
    }

    /// The merged view of the lower directory alone (read-only kernel overlayfs over it) lists the
    /// same names, types, sizes, modes and contents as the ring-served mount, before any change.
    static func compareWithKernelOverlay(lower: String, merged: String, scratch: ScratchDirectory) throws {
        let reference = try scratch.directory("kernel-view")
        let mount = try OverlayMount(.kernel(options: []), layout: OverlayLayout(lowers: [lower, try scratch.directory("empty-layer")], upper: nil, work: nil, mountpoint: reference))
        defer { mount.unmount() }
        #expect(try Self.listing(merged) == Self.listing(reference))
    }

    /// `find` of a tree: relative path, type, size, mode and link target per entry, plus file hashes.
    static func listing(_ root: String) throws -> String {
        let entries = try Command.run("find", [".", "-printf", "%P %y %s %m %l\n"], in: root, timeout: .seconds(60))
        let sums = try Command.run("sh", ["-c", "find . -type f -print0 | sort -z | xargs -0 -r sha256sum"], in: root, timeout: .seconds(60))
        return entries.output.split(separator: "\n").sorted().joined(separator: "\n") + "\n" + sums.output
    }

    /// Threads of `pid` named lamina-ring-N.
    /// The daemon's ring threads once they have all started. The daemon starts them after the
    /// INIT reply, after it printed its transport line, and each names itself when it first runs:
    /// on a loaded host a count taken at once saw 5 of 8. So the count is sampled every 20 ms
    /// until it has held for 500 ms (at most 10 s).
    static func settledRingThreads(_ pid: Int32) -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        var count = ringThreads(pid)
        var steady = 0
        while steady < 25, ContinuousClock.now < deadline {
            usleep(20_000)
            let now = ringThreads(pid)
            steady = now == count ? steady + 1 : 0
            count = now
        }
        return count
    }

    static func ringThreads(_ pid: Int32) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.filter { task in
            let name = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)) ?? ""
            return name.hasPrefix("lamina-ring-")
        }.count
    }

    /// Runs `body` with enable_uring set to `value`, putting the old value back after; skipped with
    /// a message where the kernel has no such switch.
    static func withEnableURing(_ value: String, _ body: () throws -> Void) throws {
        guard let old = try? String(contentsOfFile: parameter, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else {
            print("skipped: this kernel has no FUSE over io_uring (\(parameter))")
            return
        }
        try Data(value.utf8).write(to: URL(fileURLWithPath: parameter))
        defer { try? Data(old.utf8).write(to: URL(fileURLWithPath: parameter)) }
        try body()
    }
}
