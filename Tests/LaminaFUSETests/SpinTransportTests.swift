import Foundation
import Glibc
import Testing

/// `-o spin=50` (the transport's adaptive polling of /dev/fuse, off by default): the daemon says it
/// polls, the merged view matches kernel overlayfs, real work through the mount comes out right
/// with polls finding requests, it holds no more descriptors after the work than before, and it
/// exits 0 on unmount.
@Suite("Polling /dev/fuse", TestHost.mountComparisons)
struct SpinTransportTests {
    @Test("spin=50 polls between dense requests, and the work through it comes out right")
    func pollsAndServes() throws {
        let scratch = try ScratchDirectory("spin")
        defer { scratch.remove() }
        let mounted = try PassthroughMount(scratch: scratch, lower: URingTransportTests.fillLower, options: "spin=50", writable: true)
        defer { mounted.unmount() }
        let line = mounted.transportLine ?? "no transport line"
        try #require(line.contains("transport: /dev/fuse through libfuse, polled for up to 50 microseconds"), "\(line)")
        try URingTransportTests.compareWithKernelOverlay(lower: mounted.lower, merged: mounted.mountpoint, scratch: scratch)
        let before = try DaemonUsage.of(mounted.daemon.pid)

        try URingTransportTests.exercise(mounted.mountpoint, scratch: scratch)

        let after = try DaemonUsage.waitForDescriptors(mounted.daemon.pid, atMost: before.descriptors)
        #expect(after.descriptors <= before.descriptors, "before: \(before); after: \(after)")
        let unmount = try Command.run("fusermount3", ["-u", mounted.mountpoint], timeout: .seconds(60))
        #expect(unmount.status == 0, "\(unmount.transcript)")
        #expect(mounted.daemon.wait(timeout: .seconds(30)), "the daemon did not exit after the unmount")
        let result = mounted.daemon.result()
        #expect(result.status == 0, "\(result.errorOutput.suffix(2000))")
        let polls = result.errorOutput.split(separator: "\n").first { $0.contains("polling /dev/fuse: ") }
        let found = polls.flatMap { line in
            line.components(separatedBy: "polling /dev/fuse: ").last?.split(separator: " ").first.flatMap { Int($0) }
        }
        #expect((found ?? 0) > 0, "no poll found a request: \(polls ?? "no polling line")")
    }
}
