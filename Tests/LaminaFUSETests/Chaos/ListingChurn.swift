import Foundation
import Glibc
import LaminaSystem

/// The listing test's workload: four threads create, rename (across the two directories) and
/// unlink names of 30-odd bytes (enough of them that a listing takes more than one READDIR),
/// two list through handles kept open and rewound each time, one looks names up, and one drops
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

    func run(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
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
        for lister in listers {
            threads.start {
                var calls = 0
                while Date() < deadline {
                    calls += 1
                    lseek(lister.rawValue, 0, SEEK_SET)
                    _ = try? lister.directoryRecords()
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
    }

    private static func randomPath(_ random: inout SeededRandom) -> BytePath {
        directories[Int.random(in: 0..<directories.count, using: &random)]
            .appending(names[Int.random(in: 0..<names.count, using: &random)])
    }
}
