import Foundation
import LaminaTestSupport
import Glibc
import LaminaSystem

/// The listing test's workload, in two directories of 150 names that stay: two checkers create
/// and unlink a name of their own and list after each (`run`), four threads create, rename (across the two directories) and
/// unlink names of 30-odd bytes (enough of them that a listing takes more than one READDIR),
/// four (two per directory) list through handles kept open and rewound each time, one looks names up, and one drops
/// the kernel's dentry and inode caches every 200 ms so the daemon gets FORGETs mid-run.
///
/// Thread safety: immutable; the threads share only the mount.
struct ListingChurn: Sendable {
    static let directories = [BytePath("ld"), BytePath("fresh")]
    static let names = (0..<96).map { Array("churn-name-\($0)-padded-to-fill-pages".utf8) }
    static var paths: [BytePath] { directories.flatMap { directory in names.map { directory.appending($0) } } }

    let root: FileDescriptor
    /// Open handles of `directories`, one per lister.
    let listers: [FileDescriptor]

    /// Runs the churn; returns what the checkers saw go wrong: each checker owns a name no other
    /// thread touches, creates it and lists its directory through a new handle (the name must be
    /// there: the create returned before the listing began), then unlinks it and lists again (it
    /// must be gone).
    func run(seconds: Double) -> [String] {
        // Listings of more than one READDIR each: 150 names that stay, in both directories.
        for directory in Self.directories {
            for number in 0..<150 {
                (try? root.open(directory.appending(Array("filler-entry-\(number)".utf8)), flags: O_WRONLY | O_CREAT, mode: 0o644))?.close()
            }
        }
        let deadline = Date().addingTimeInterval(seconds)
        let checks = ThreadResults<[String]>()
        for index in 0..<2 {
            checks.start {
                let directory = Self.directories[index]
                let name = Array("checker-\(index)".utf8)
                var seen: [String] = []
                func listed() -> Bool? {
                    guard let handle = try? root.open(directory, flags: O_RDONLY | O_DIRECTORY) else { return nil }
                    defer { handle.close() }
                    return (try? handle.directoryRecords())?.contains { $0.name.bytes == name }
                }
                var rounds = 0
                while Date() < deadline && seen.count < 5 {
                    rounds += 1
                    guard (try? root.open(directory.appending(name), flags: O_WRONLY | O_CREAT, mode: 0o644))?.close() != nil
                    else { continue }
                    if listed() == false { seen.append("round \(rounds): \(directory.appending(name)) created but a new listing misses it") }
                    guard (try? root.unlink(directory.appending(name))) != nil else { continue }
                    if listed() == true { seen.append("round \(rounds): \(directory.appending(name)) unlinked but a new listing has it") }
                }
                return seen
            }
        }
        let threads = ThreadResults<Int>()
        for index in 0..<4 {
            threads.start {
                var random = SeededRandom(seed: UInt64(index))
                var calls = 0
                while Date() < deadline {
                    calls += 1
                    switch Int.random(in: 0..<5, using: &random) {
                    case 0, 1: (try? root.open(Self.randomPath(&random), flags: O_WRONLY | O_CREAT, mode: 0o644))?.close()
                    case 2: try? root.rename(Self.randomPath(&random), to: root, Self.randomPath(&random))
                    default: try? root.unlink(Self.randomPath(&random))
                    }
                }
                return calls
            }
        }
        for (index, lister) in listers.enumerated() {
            threads.start {
                var calls = 0
                while Date() < deadline {
                    calls += 1
                    // Half the time through the handle kept open, half through a new one.
                    if calls % 2 == 0 {
                        lseek(lister.rawValue, 0, SEEK_SET)
                        _ = try? lister.directoryRecords()
                    } else if let handle = try? root.open(Self.directories[index % 2], flags: O_RDONLY | O_DIRECTORY) {
                        _ = try? handle.directoryRecords()
                        handle.close()
                    }
                }
                return calls
            }
        }
        threads.start {
            var random = SeededRandom(seed: 99)
            var calls = 0
            while Date() < deadline {
                calls += 1
                _ = try? root.status(of: Self.randomPath(&random))
            }
            return calls
        }
        threads.start {
            var calls = 0
            while Date() < deadline {
                calls += 1
                try? "2\n".write(toFile: "/proc/sys/vm/drop_caches", atomically: false, encoding: .utf8)
                usleep(200_000)
            }
            return calls
        }
        _ = threads.wait()
        return checks.wait().flatMap { $0 }
    }

    private static func randomPath(_ random: inout SeededRandom) -> BytePath {
        directories[Int.random(in: 0..<directories.count, using: &random)]
            .appending(names[Int.random(in: 0..<names.count, using: &random)])
    }
}
