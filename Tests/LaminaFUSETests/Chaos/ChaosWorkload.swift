import Foundation
import LaminaTestSupport
import Glibc
import LaminaSystem

/// What the chaos test's threads do: random creates, renames of files and directories, links,
/// unlinks, mkdir/rmdir, reads, open-unlink-writes and listings on one small tree (a few
/// directories, lower and new, and a handful of names in each), every call a raw syscall on
/// paths under the mount's root. Each worker counts its errnos by call; the counts are merged
/// when the threads stop.
///
/// Thread safety: the workload is immutable; each worker owns its generator and counts.
struct ChaosWorkload: Sendable {
    /// Directories the workers use (some from the lower layers, some made during the run; they
    /// are renamed into each other, so some disappear and reappear).
    static let directories: [BytePath] = ["ld", "ld2", "shared", "ld/deep", "c0", "c1", "c0/s", "c1/s"].map { BytePath($0) }
    /// Where renamed directories may also go (and come back from): names no file operation uses,
    /// so a directory moved there leaves the file pool and may be moved back whole.
    static let parkedDirectories: [BytePath] = ["c2", "c3", "ld2/m", "shared/m", "c0/s/t"].map { BytePath($0) }
    static let names: [[UInt8]] = (0..<6).map { Array("f\($0)".utf8) } + [Array("over".utf8), Array("x".utf8)]

    /// Every path the workers name: the directories and each name in each of them.
    static var allPaths: [BytePath] {
        directories + parkedDirectories + directories.flatMap { directory in names.map { directory.appending($0) } }
    }

    /// errno counts by "call ERRNO", and calls made.
    struct Counts: Sendable {
        var errors: [String: Int] = [:]
        var errnos: Set<Int32> = []
        var calls = 0

        mutating func record(_ call: String, _ error: SystemError) {
            errors["\(call) \(ErrnoName.of(error.errno))", default: 0] += 1
            errnos.insert(error.errno)
        }

        mutating func merge(_ other: Counts) {
            errors.merge(other.errors, uniquingKeysWith: +)
            errnos.formUnion(other.errnos)
            calls += other.calls
        }

        var histogram: String {
            errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        }
    }

    let root: FileDescriptor

    /// Runs `threads` workers for `seconds`, each seeded from `seed`, and returns their counts.
    func run(threads: Int, seconds: Double, seed: UInt64) -> Counts {
        let deadline = Date().addingTimeInterval(seconds)
        let results = ThreadResults<Counts>()
        for index in 0..<threads {
            let root = root
            results.start {
                var random = SeededRandom(seed: seed &* 1000 &+ UInt64(index))
                var counts = Counts()
                while Date() < deadline {
                    for _ in 0..<20 { ChaosWorkload(root: root).step(&random, &counts) }
                }
                return counts
            }
        }
        return results.wait().reduce(into: Counts()) { $0.merge($1) }
    }

    private func step(_ random: inout SeededRandom, _ counts: inout Counts) {
        func file() -> BytePath {
            let directory = Self.directories[Int.random(in: 0..<Self.directories.count, using: &random)]
            return directory.appending(Self.names[Int.random(in: 0..<Self.names.count, using: &random)])
        }
        func directory() -> BytePath {
            let all = Self.directories + Self.parkedDirectories
            return all[Int.random(in: 0..<all.count, using: &random)]
        }
        let kind = random.weighted([
            ("create", 10), ("rename", 10), ("renameDirectory", 3), ("link", 4), ("unlink", 8), ("mkdir", 4),
            ("rmdir", 3), ("read", 8), ("openUnlinkWrite", 3), ("list", 4),
        ])
        counts.calls += 1
        do throws(SystemError) {
            switch kind {
            case "create":
                let handle = try root.open(file(), flags: O_WRONLY | O_CREAT, mode: 0o644)
                defer { handle.close() }
                try handle.write(Array("chaos\n".utf8), at: 0)
            case "rename": try root.rename(file(), to: root, file())
            case "renameDirectory": try root.rename(directory(), to: root, directory())
            case "link": try root.link(file(), to: root, file())
            case "unlink": try root.unlink(file())
            case "mkdir": try root.makeDirectory(directory(), mode: 0o755)
            case "rmdir": try root.removeDirectory(directory())
            case "read":
                let handle = try root.open(file(), flags: O_RDONLY)
                defer { handle.close() }
                _ = try handle.read(count: 4096, at: 0)
            case "openUnlinkWrite":
                let path = file()
                let handle = try root.open(path, flags: O_RDWR)
                defer { handle.close() }
                try root.unlink(path)
                try handle.write(Array("after unlink\n".utf8), at: 3)
                _ = try handle.read(count: 4096, at: 0)
            default:
                let handle = try root.open(directory(), flags: O_RDONLY | O_DIRECTORY)
                defer { handle.close() }
                _ = try handle.directoryRecords()
            }
        } catch {
            counts.record(kind, error)
        }
    }
}

/// Threads started with a body each, and their results once all have returned. `Thread`s, not
/// the concurrency pool or `concurrentPerform` (as wide as the machine's cores): the tests need
/// more threads in flight than there are cores.
///
/// Thread-safe: results are appended under `lock`; `wait` is called by the one starting thread.
final class ThreadResults<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [T] = []
    private let group = DispatchGroup()

    func start(_ body: @escaping @Sendable () -> T) {
        group.enter()
        let thread = Thread { [self] in
            let result = body()
            lock.withLock { results.append(result) }
            group.leave()
        }
        thread.start()
    }

    func wait() -> [T] {
        group.wait()
        return lock.withLock { results }
    }
}
