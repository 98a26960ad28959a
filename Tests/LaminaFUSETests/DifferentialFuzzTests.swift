import Foundation
import Testing

/// Differential random-operation test: a seeded generator (`FuzzGenerator`) plays a sequence of
/// calls on kernel overlayfs and on Lamina (`lamina-overlayfs`, `lamina mount`, and
/// `lamina-overlayfs` reading its lowers through layer indexes, `lowerindex=`), each mounted on
/// its own copy of the same two lower layers (`FuzzFixture`) with an empty upper and work
/// directory: creates, writes at offsets, truncates, renames of files and directories (over
/// existing targets, across directories, with RENAME_NOREPLACE and RENAME_EXCHANGE), links, unlinks, rmdir, mkdir,
/// chmod, user xattrs, symlinks, open-unlink-then-write-and-read, writes through a descriptor
/// opened before its file was renamed, creates through a directory descriptor opened before its
/// directory was renamed, lstat, readdir and readlink.
///
/// Compared: each step's result (success and what it read or reported, or the failing call and
/// its errno) after every step; the merged views (names as bytes, type, mode, owner, size and
/// content of files, symlink targets, xattrs, link counts of non-directories and hard-link groups,
/// mtimes as "kept" or "set during the run") every 100 steps, at the end, and after every mount is
/// unmounted and mounted again on its layers (every 500 steps: what is on disk must read back as
/// the view it was); the upper layers after
/// unmounting, normalised (`UpperNormalisation`); and the lower layers, which must not change
/// (`LowerGuard`).
///
/// Not compared, as legitimate differences with the kernel: inode numbers and st_dev (Lamina keeps
/// the origin's inode number and reports its FUSE device), ctime and atime, the exact mtime set by
/// the clock (both mounts run the same step moments apart), directory sizes and directory link
/// counts (a union's bookkeeping; see `ComparisonPolicy`). The kernel runs with `redirect_dir=on`
/// (`MountedStacks.kernelOptions`): Lamina renames lower directories by redirect where the kernel's
/// default answers EXDEV (docs/compatibility.md). `index=off`: lower hard links break on copy-up in
/// both; the kernel copies up at an open for writing, Lamina at the first write, and what follows
/// from that is read through `UnchangedCopies`.
///
/// Seeds: `LAMINA_FUZZ_SEED` (a number, a comma list, or a range `A-B`; default 1,2,3), steps per
/// seed: `LAMINA_FUZZ_STEPS` (default 1500). A failure prints the seed and the steps played.
@Suite("Differential fuzz", TestHost.mountComparisons, .serialized)
struct DifferentialFuzzTests {
    static var seeds: [UInt64] {
        let text = ProcessInfo.processInfo.environment["LAMINA_FUZZ_SEED"] ?? ""
        let seeds = text.split(separator: ",").flatMap { part -> [UInt64] in
            let bounds = part.split(separator: "-").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
            if bounds.count == 2, bounds[0] <= bounds[1] { return Array(bounds[0]...bounds[1]) }
            return bounds.count == 1 ? bounds : []
        }
        return seeds.isEmpty ? [1, 2, 3] : seeds
    }

    static var steps: Int {
        ProcessInfo.processInfo.environment["LAMINA_FUZZ_STEPS"].flatMap { Int($0) } ?? 1500
    }

    @Test("kernel overlayfs and Lamina agree on random operations")
    func randomOperations() throws {
        for seed in Self.seeds {
            var run = FuzzRun(seed: seed, steps: Self.steps, implementations: [.laminaOverlayfs, .lamina])
            run.indexed = [.laminaOverlayfs]
            let result = try run.run()
            if !result.differences.isEmpty {
                Issue.record(Comment(rawValue: result.explanation))
                break
            }
        }
    }

    /// Opens for writing that never write: a create of an existing lower file, and a descriptor
    /// opened before a rename that fails. Kernel overlayfs copies the file up at the open, Lamina
    /// at the first write (`UnchangedCopies`), so on the fixture's lower hard links the kernel
    /// shows link count 1 and Lamina the lower file's 2. Seed 53 found it (minimised to the first
    /// step).
    @Test("opens for writing that never write, on lower hard links and a plain lower file")
    func opensThatNeverWrite() throws {
        var run = FuzzRun(seed: 0, steps: 4, implementations: [.laminaOverlayfs, .lamina])
        let longDirectory = BytePath([[UInt8](repeating: UInt8(ascii: "n"), count: 255)])
        run.script = [
            .openRenameWrite(BytePath("ld/hl2"), longDirectory, data: FuzzData(fill: 0x41, count: 8)),
            .create(BytePath("hl1"), exclusive: false, mode: 0o644),
            .create(BytePath("ld/f1"), exclusive: false, mode: 0o600),
            .status(BytePath("ld/hl2")),
        ]
        let result = try run.run()
        #expect(result.played.first?.outcome == .failed("rename", EISDIR), "\(result.played)")
        #expect(result.differences.isEmpty, Comment(rawValue: result.explanation))
    }

    /// `LAMINA_FUZZ_MINIMISE=SEED` (with `LAMINA_FUZZ_STEPS`, and `LAMINA_FUZZ_MATCH=TEXT` to keep
    /// only failures whose differences contain TEXT): replays the seed and, if it fails, prints the
    /// shortest step list found that still fails. A tool for turning a failure into a regression
    /// test; skipped unless asked for.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LAMINA_FUZZ_MINIMISE"] != nil))
    func minimiseFailingSeed() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = try #require(environment["LAMINA_FUZZ_MINIMISE"].flatMap { UInt64($0) })
        let match = environment["LAMINA_FUZZ_MATCH"] ?? ""
        let implementations: [ImplementationUnderTest] = [.laminaOverlayfs]
        let original = try FuzzRun(seed: seed, steps: Self.steps, implementations: implementations).run()
        guard !original.differences.isEmpty else { return }
        let minimiser = FuzzMinimiser(implementations: implementations) { differences in
            differences.contains { match.isEmpty || $0.contains(match) }
        }
        let steps = try minimiser.minimise(original.played.map(\.operation))
        var replay = FuzzRun(seed: seed, steps: steps.count, implementations: implementations)
        replay.script = steps
        Issue.record(Comment(rawValue: "seed \(seed) minimised from \(original.played.count) to \(steps.count) steps:\n"
            + steps.map { "  \($0)" }.joined(separator: "\n") + "\n" + (try replay.run()).explanation))
    }
}
