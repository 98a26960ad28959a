import Foundation
import Glibc
import Synchronization
import Testing

/// Proof that passthrough really runs: with the daemon stopped (SIGSTOP), 100 MiB still read from
/// a lower file through a descriptor opened before the stop (any READ request would wait for the
/// daemon; the reads get 60 s, past which the daemon is continued and the test fails), and 100 MiB
/// written to a new file reach the daemon as no WRITE request. Skipped with a message where the kernel or this process cannot
/// pass files through (the daemon's debug log says "passthrough off").
@Suite("Passthrough is active", TestHost.mountComparisons, .serialized)
struct PassthroughActiveTests {
    static let size = 100 << 20

    /// 1 MiB of varied bytes; block N of a test file is this with its first byte set to N.
    static let block = [UInt8]((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12) })

    static func fillLower(_ directory: String) throws {
        var data = Data(capacity: size)
        var block = Self.block
        for index in 0..<(size >> 20) {
            block[0] = UInt8(truncatingIfNeeded: index)
            data.append(contentsOf: block)
        }
        try data.write(to: URL(fileURLWithPath: directory + "/big"))
    }

    @Test("reads of a lower file (read-only mount) do not wait for the daemon")
    func readsAroundStoppedDaemon() throws {
        try Self.withMount("passthrough-read", lower: Self.fillLower, writable: false) { _, mounted in
            let fd = open(mounted.mountpoint + "/big", O_RDONLY)
            try #require(fd >= 0, "open: \(String(cString: strerror(errno)))")
            defer { close(fd) }
            let mismatches = try Self.whileStopped(mounted) { () -> Int in
                var buffer = [UInt8](repeating: 0, count: 1 << 20)
                var wrong = 0
                for index in 0..<(Self.size >> 20) {
                    let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(index << 20)) }
                    guard count == buffer.count else { return -1 }
                    var expected = Self.block
                    expected[0] = UInt8(truncatingIfNeeded: index)
                    if buffer != expected { wrong += 1 }
                }
                return wrong
            }
            #expect(mismatches == 0, "read \(mismatches == -1 ? "a short file" : "\(mismatches) wrong blocks")")
        }
    }

    /// Writes still wait for one request each (the kernel asks for security.capability before a
    /// write: see docs/architecture.md, "Transport"), so they are shown by the daemon's trace log,
    /// which names every WRITE request it serves: none for 100 MiB.
    @Test("writes to a new file reach no WRITE request, and stat sees their size")
    func writesWithoutRequests() throws {
        try Self.withMount("passthrough-write", lower: { _ in }, writable: true) { _, mounted in
            let path = mounted.mountpoint + "/new"
            let fd = open(path, O_RDWR | O_CREAT, 0o644)
            try #require(fd >= 0, "open: \(String(cString: strerror(errno)))")
            defer { close(fd) }
            var block = Self.block
            var written = 0
            for index in 0..<(Self.size >> 20) {
                block[0] = UInt8(truncatingIfNeeded: index)
                let count = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                guard count == block.count else { break }
                written += count
            }
            #expect(written == Self.size)
            var status = stat()
            #expect(fstat(fd, &status) == 0 && Int(status.st_size) == Self.size)
            #expect(stat(path, &status) == 0 && Int(status.st_size) == Self.size)
            #expect(stat(mounted.upper + "/new", &status) == 0 && Int(status.st_size) == Self.size)
            let log = mounted.daemon.result().errorOutput
            #expect(log.contains("create parent=1 name=new"), "the trace log names requests")
            #expect(!log.contains("write node="), "WRITE requests reached the daemon")
        }
    }

    /// The kernel clears a set-user-ID bit when someone without CAP_FSETID writes the file; with
    /// passthrough the write never reaches the daemon, so the kernel must still ask it to (it
    /// does: a GETXATTR, then a SETATTR of the mode, before the write).
    @Test("a passthrough write by another user clears the set-user-ID bit")
    func setUserIDCleared() throws {
        guard TestHost.which("setpriv") != nil else {
            print("skipped: setpriv is not installed")
            return
        }
        try Self.withMount("passthrough-suid", lower: { _ in }, writable: true) { scratch, mounted in
            chmod(scratch.path, 0o755)
            let path = mounted.mountpoint + "/program"
            try Data("data\n".utf8).write(to: URL(fileURLWithPath: path))
            #expect(chmod(path, 0o4777) == 0)
            let result = try Command.run(
                "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", "echo more >> '\(path)'"],
                timeout: .seconds(30))
            #expect(result.status == 0, "\(result.transcript)")
            var status = stat()
            #expect(stat(path, &status) == 0 && status.st_mode & 0o7777 == 0o777, "mode \(String(status.st_mode, radix: 8))")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "data\nmore\n")
            #expect(!mounted.daemon.result().errorOutput.contains("write node="), "the write was not passed through")
        }
    }

    /// Mounts a fresh stack with `passthrough=on` and runs `body`; where passthrough is not
    /// available here, says so and skips `body`.
    static func withMount(
        _ name: String, lower: (String) throws -> Void, writable: Bool,
        _ body: (ScratchDirectory, PassthroughMount) throws -> Void
    ) throws {
        let scratch = try ScratchDirectory(name)
        defer { scratch.remove() }
        let mounted = try PassthroughMount(scratch: scratch, lower: lower, options: "passthrough=on", writable: writable)
        defer { mounted.unmount() }
        guard mounted.passthroughActive else {
            print("skipped: passthrough not available here (\(mounted.transportLine ?? "no transport line"))")
            return
        }
        try body(scratch, mounted)
    }

    /// Runs `body` on another thread while the daemon is stopped; continues the daemon afterwards,
    /// or after 60 s, when the test fails (the body then finishes with the daemon running).
    static func whileStopped<T: Sendable>(_ mounted: PassthroughMount, _ body: @escaping @Sendable () -> T) throws -> T {
        mounted.daemon.signal(SIGSTOP)
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<T?>(nil)
        DispatchQueue.global().async {
            let value = body()
            result.withLock { $0 = value }
            done.signal()
        }
        let finished = done.wait(timeout: .now() + 60) == .success
        mounted.daemon.signal(SIGCONT)
        if !finished { done.wait() }
        #expect(finished, "the I/O waited for the stopped daemon: it was not passed through")
        return try #require(result.withLock { $0 })
    }
}
