import Foundation
import Glibc
import LaminaSystem
import Testing

/// Concurrency chaos, on kernel overlayfs and on the implementation `LAMINA_TEST_IMPL` names
/// (`lamina mount` by default; `lamina-overlayfs`, or `fuse-overlayfs`, which fails the errno check
/// with the EXDEV it answers for renames of lower directories), each on its own copy of the fuzz
/// test's layers (`FuzzFixture`):
///
/// - `concurrentOperations`: 8 threads make random raw syscalls (`ChaosWorkload`: creates, renames
///   of files and directories, links, unlinks, mkdir, rmdir, reads, open-unlink-writes, listings)
///   on one small tree for `LAMINA_CHAOS_SECONDS` (default 8) per mount. Every errno Lamina
///   answers must be one the kernel answered in its run (ENOENT, EEXIST, ENOTEMPTY, EINVAL,
///   ENOTDIR, EISDIR, ...): an EIO, ENXIO, EBADF or EMFILE fails the test, with both histograms.
///   Afterwards, with the tree quiet: every listed name can be looked up, every name that can be
///   looked up is listed, and a second listing equals the first (`ListingCheck`); the daemon is
///   alive, holds no more descriptors besides pipes and directories than before the run (an orphan
///   or file handle kept past its close would show), at most about one directory handle per
///   directory of its layers and at most a pipe pair per thread (`DaemonUsage`); it unmounts; the
///   lower layers are unchanged.
/// - `listingsSeeCreatesAndUnlinks`: in a lower directory and a new one, 150 names each, threads
///   create, rename and unlink names while others list them (through new handles and handles kept
///   open and rewound, two per directory) and look names up, and the kernel's caches are dropped
///   now and then (so the daemon forgets nodes and rebuilds directory indexes meanwhile). Two
///   checkers create and unlink a name of their own and list after each: the listing must show
///   what they just did. Once all stop, each listing (new or rewound) holds exactly the names that
///   exist (`ListingChurn`).
///
/// The runs are timed (the task is a soak), the assertions are not.
@Suite("Chaos", TestHost.mountComparisons, .serialized)
struct ChaosTests {
    static var seconds: Double {
        ProcessInfo.processInfo.environment["LAMINA_CHAOS_SECONDS"].flatMap { Double($0) } ?? 8
    }

    /// Directory handles the daemon may hold beyond one per directory its layers hold after the
    /// run (directories removed during the run whose handles the cache has not yet dropped).
    static let descriptorSlack = 16

    @Test("8 threads of random operations: Lamina answers only errnos the kernel answers")
    func concurrentOperations() throws {
        let stacks = try MountedStacks("chaos", layers: FuzzFixture.layers, implementations: [ImplementationUnderTest.selected()])
        let lamina = stacks.candidates[0]
        let pid = try #require(lamina.mount.daemonPID)
        let descriptorsBefore = try DaemonUsage.of(pid)
        let expected = ChaosWorkload(root: stacks.kernel.root).run(threads: 8, seconds: Self.seconds, seed: 1)
        let actual = stacks.guarded { ChaosWorkload(root: lamina.root).run(threads: 8, seconds: Self.seconds, seed: 1) }
        let unexpected = actual.errnos.subtracting(expected.errnos).map(ErrnoName.of).sorted()
        #expect(unexpected.isEmpty, """
            \(lamina.name) answered errnos the kernel never did: \(unexpected)
            kernel (\(expected.calls) calls): \(expected.histogram)
            \(lamina.name) (\(actual.calls) calls): \(actual.histogram)
            \(lamina.mount.daemonOutput)
            """)
        for member in stacks.all {
            let problems = stacks.guarded { ListingCheck.problems(root: member.root, paths: ChaosWorkload.allPaths) }
            #expect(problems.isEmpty, Comment(rawValue: "\(member.name) after the chaos run:\n" + problems.joined(separator: "\n")))
        }
        #expect(kill(pid, 0) == 0, "the daemon died: \(lamina.mount.daemonOutput)")
        // Other descriptors (files, /dev/fuse, output) must come back to their count; directory
        // handles stay within one per directory of the layers.
        let descriptorsAfter = try DaemonUsage.waitForDescriptors(pid, atMost: descriptorsBefore.descriptors)
        let layout = lamina.side.layout
        let directories = (layout.lowers + [layout.upper, layout.work].compactMap { $0 }).reduce(0) { count, root in
            count + TreeSnapshot.capture(root).entries.values.filter { $0.kind == .directory }.count
        }
        #expect(descriptorsAfter.descriptors <= descriptorsBefore.descriptors
                && descriptorsAfter.directories <= directories + Self.descriptorSlack
                && descriptorsAfter.pipesFollowThreads,
                "the daemon held \(descriptorsBefore) before the run and \(descriptorsAfter) after it, with \(directories) directories in its layers")
        let (problems, _) = stacks.finish()
        #expect(problems.isEmpty, Comment(rawValue: problems.joined(separator: "\n")))
        print("chaos \(Self.seconds) s: kernel \(expected.calls) calls {\(expected.histogram)}; "
              + "lamina \(actual.calls) calls {\(actual.histogram)}; daemon descriptors \(descriptorsBefore) -> \(descriptorsAfter), "
              + "\(directories) directories in its layers")
    }

    @Test("names created, renamed and unlinked while others list: listings end exact")
    func listingsSeeCreatesAndUnlinks() throws {
        let stacks = try MountedStacks("chaos-listing", layers: FuzzFixture.layers, implementations: [ImplementationUnderTest.selected()])
        let seconds = min(Self.seconds, 8) / 2
        for member in stacks.all {
            try member.root.makeDirectory(BytePath("fresh"), mode: 0o755)
            // Two listers per directory: the kernel's listing cache is filled by whichever reads first.
            let listers = try (0..<4).map { index in
                try member.root.open(ListingChurn.directories[index % 2], flags: O_RDONLY | O_DIRECTORY)
            }
            defer { for lister in listers { lister.close() } }
            var problems = stacks.guarded { ListingChurn(root: member.root, listers: listers).run(seconds: seconds) }
            problems += stacks.guarded { ListingCheck.problems(root: member.root, paths: ListingChurn.paths) }
            // A handle open through the whole run, rewound, lists what a new one lists.
            let fresh = ListingCheck.listings(member.root)
            for (index, lister) in listers.enumerated() {
                let directory = ListingChurn.directories[index % 2]
                lseek(lister.rawValue, 0, SEEK_SET)
                let rewound = Set(((try? lister.directoryRecords()) ?? []).map(\.name.bytes))
                if rewound != fresh[directory] {
                    let missing = (fresh[directory] ?? []).subtracting(rewound).map(BytePath.escaped).sorted()
                    let extra = rewound.subtracting(fresh[directory] ?? []).map(BytePath.escaped).sorted()
                    problems.append("a rewound handle of \(directory) misses \(missing) and lists \(extra) extra")
                }
            }
            #expect(problems.isEmpty, Comment(rawValue: "\(member.name):\n" + problems.joined(separator: "\n")))
        }
        let (problems, _) = stacks.finish()
        #expect(problems.isEmpty, Comment(rawValue: problems.joined(separator: "\n")))
    }
}
