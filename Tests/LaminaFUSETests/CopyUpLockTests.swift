import Foundation
import Glibc
import LaminaSystem
import Synchronization
import Testing

/// How far a copy-up's locks reach, on kernel overlayfs and on both Lamina front ends: writers
/// racing to copy up one file copy it once, and a lookup of another name in the same directory
/// does not wait for a large copy. The lower layers are shared by the mounts and guarded once.
@Suite("Copy-up lock scope", TestHost.mountComparisons)
struct CopyUpLockTests {
    /// The issue's target for a sibling `stat` during the copy-up of a 512 MiB file.
    static let targetMilliseconds = 50.0
    /// What the test enforces: 5 times the target, because CI runs a debug build on a shared
    /// 2-core VM where a thread can wait tens of ms for a core. A lock held across the copy makes
    /// the stat wait for the rest of the copy (about a second here), far past this bound.
    static let boundMilliseconds = 250.0

    static var kinds: [OverlayMount.Kind] {
        [.kernel(options: [])] + ImplementationUnderTest.laminaFrontEnds.map { .implementation($0) }
    }

    /// 8 threads open one 8 MiB lower file O_WRONLY|O_APPEND at once and append a line each: the
    /// file holds its lower data then the 8 lines, the upper layer holds one copy of it (the same
    /// entries as the kernel's upper), and the work directory keeps no temporary file.
    @Test("8 threads copying up one lower file: one copy, every line kept")
    func concurrentCopyUp() throws {
        let scratch = try ScratchDirectory("concurrent-copy-up")
        defer { scratch.remove() }
        let size = 8 << 20
        let lowers = try MountedStack.build(
            ["mkdir dir; head -c \(size) /dev/zero | tr '\\0' L > dir/file; echo s > dir/sibling"],
            in: scratch.path + "/lower", scratch: scratch)
        let guardian = LowerGuard(layers: lowers)
        var kernelUpper: [String]?
        for (index, kind) in Self.kinds.enumerated() {
            let stack = try MountedStack("side\(index)", lowers: lowers, kind: kind, in: scratch, guardsLowers: false)
            let name = stack.mount.name
            let errors = Self.appendConcurrently(to: stack.merged("dir/file"), threads: 8)
            let data = try stack.mount.guarded { try Self.read(stack.merged("dir/file")) }
            #expect(errors.isEmpty, "\(name): \(errors)")
            #expect(data.count == size + 8 * 9 && data.prefix(size).allSatisfy { $0 == UInt8(ascii: "L") }, "\(name): \(data.count) bytes")
            let lines = String(decoding: data.dropFirst(size), as: UTF8.self).split(separator: "\n").map(String.init)
            #expect(lines.sorted() == (0..<8).map { "thread \($0)" }, "\(name): \(lines)")
            let problems = stack.finish()
            #expect(problems.isEmpty, "\(problems)")
            let upper = TreeSnapshot.capture(try #require(stack.layout.upper)).entries.keys.sorted()
            let leftovers = TreeSnapshot.capture(try #require(stack.layout.work)).entries.filter { $0.value.kind != .directory }
            #expect(leftovers.isEmpty, "\(name): left in the work directory: \(leftovers.keys.sorted())")
            if let kernelUpper {
                #expect(upper == kernelUpper, "\(name): upper layer holds \(upper), the kernel's \(kernelUpper)")
            } else {
                #expect(upper == [".", "dir", "dir/file"], "fixture: the kernel's upper layer holds \(upper)")
                kernelUpper = upper
            }
        }
        let changes = guardian.changes(by: "the mounts")
        #expect(changes.isEmpty, "\(changes)")
    }

    /// While one thread's first write copies up a 512 MiB lower file, `stat` of five other names
    /// of the same directory (each a new lookup) answers within the bound; the measured times are
    /// printed. The copy must still be running when the last stat returns, or nothing was measured.
    @Test("a sibling stat during the copy-up of a 512 MiB file")
    func siblingStatDuringCopyUp() throws {
        let scratch = try ScratchDirectory("sibling-stat")
        defer { scratch.remove() }
        let lowers = try MountedStack.build(
            ["mkdir dir; head -c 512M /dev/zero | tr '\\0' L > dir/big; for i in $(seq 1 20); do echo $i > dir/s$i; done"],
            in: scratch.path + "/lower", scratch: scratch)
        let guardian = LowerGuard(layers: lowers)
        for (index, kind) in Self.kinds.enumerated() {
            let stack = try MountedStack("side\(index)", lowers: lowers, kind: kind, in: scratch, guardsLowers: false)
            let name = stack.mount.name
            let finished = Atomic<Bool>(false)
            let done = DispatchSemaphore(value: 0)
            let path = stack.merged("dir/big")
            Thread.detachNewThread {
                let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
                if descriptor >= 0 {
                    _ = Glibc.write(descriptor, "x", 1)
                    close(descriptor)
                }
                finished.store(true, ordering: .releasing)
                done.signal()
            }
            // The parent directory is copied up first; the file's copy follows at once.
            let upperDirectory = try #require(stack.layout.upper) + "/dir"
            let deadline = ContinuousClock.now + .seconds(10)
            while access(upperDirectory, F_OK) != 0, ContinuousClock.now < deadline { usleep(1_000) }
            usleep(50_000)
            var times: [Double] = []
            for sibling in 1...5 {
                var info = stat()
                let start = ContinuousClock.now
                let status = lstat(stack.merged("dir/s\(sibling)"), &info)
                let elapsed = ContinuousClock.now - start
                #expect(status == 0, "\(name): stat dir/s\(sibling)")
                times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
            }
            let stillCopying = !finished.load(ordering: .acquiring)
            done.wait()
            let slowest = times.max() ?? 0
            print("\(name): sibling stat during a 512 MiB copy-up: \(times.map { String(format: "%.2f", $0) }.joined(separator: ", ")) ms (target \(Self.targetMilliseconds) ms, bound \(Self.boundMilliseconds) ms), copy still running: \(stillCopying)")
            if case .implementation = kind {
                #expect(stillCopying, "\(name): fixture: the copy-up finished before the stats returned, nothing was measured")
                #expect(slowest < Self.boundMilliseconds, "\(name): slowest sibling stat \(slowest) ms")
            }
            let problems = stack.finish()
            #expect(problems.isEmpty, "\(problems)")
        }
        let changes = guardian.changes(by: "the mounts")
        #expect(changes.isEmpty, "\(changes)")
    }

    /// Starts `threads` threads that each open `path` O_WRONLY|O_APPEND at the same moment and
    /// append "thread N\n"; returns what failed.
    static func appendConcurrently(to path: String, threads: Int) -> [String] {
        let errors = Mutex<[String]>([])
        let start = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for index in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                start.wait()
                let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
                guard descriptor >= 0 else {
                    errors.withLock { $0.append("thread \(index): open: \(String(cString: strerror(errno)))") }
                    return
                }
                let line = Array("thread \(index)\n".utf8)
                if Glibc.write(descriptor, line, line.count) != line.count {
                    errors.withLock { $0.append("thread \(index): write: \(String(cString: strerror(errno)))") }
                }
                close(descriptor)
            }
        }
        for _ in 0..<threads { start.signal() }
        group.wait()
        return errors.withLock { $0 }
    }

    static func read(_ path: String) throws -> [UInt8] {
        let file = try FileDescriptor.open(path, flags: O_RDONLY)
        defer { file.close() }
        var result: [UInt8] = []
        while true {
            let chunk = try file.read(count: 1 << 20, at: off_t(result.count))
            if chunk.isEmpty { return result }
            result += chunk
        }
    }
}
