import LaminaSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The one way Lamina runs a program and waits for it: output, exit codes, bounded waits, and a
/// child that starts clean whatever the spawning thread's signal mask and descriptors are.
struct ChildProcessTests {
    @Test(arguments: [0, 1, 42])
    func reportsOutputAndExitCode(_ code: Int32) throws {
        let result = try ChildProcess.run("/bin/sh", ["-c", "cat; echo out; echo err >&2; exit \(code)"], input: "in\n")
        #expect(result.exitCode == code)
        #expect(result.output == "in\nout\n")
        #expect(result.errorOutput == "err\n")
        #expect(!result.timedOut)
    }

    @Test func aChildOutlivingItsTimeLimitIsKilled() throws {
        let result = try ChildProcess.run("/bin/sleep", ["30"], timeout: .milliseconds(200))
        #expect(result.timedOut)
        #expect(result.exitCode == 128 + SIGTERM)
    }

    @Test func workingDirectoryAndEnvironmentAreTheGivenOnes() throws {
        let result = try ChildProcess.run("/bin/sh", ["-c", "pwd; echo $LAMINA_PROBE"], environment: ["LAMINA_PROBE=yes"], directory: "/proc")
        #expect(result.output == "/proc\nyes\n")
    }

    /// A thread that blocks SIGTERM (as Swift concurrency's worker threads do) and holds an
    /// inheritable descriptor still starts a child with nothing blocked and only 0, 1 and 2 open.
    @Test func childStartsWithAnEmptySignalMaskAndOnlyItsStreams() throws {
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let inheritable = open("/dev/null", O_RDONLY)  // no O_CLOEXEC
        defer { close(inheritable) }
        let result = try ChildProcess.run("/bin/sh", ["-c", "grep SigBlk /proc/self/status; ls /proc/self/fd"])
        #expect(result.output.contains("SigBlk:\t0000000000000000"), Comment(rawValue: result.output))
        let descriptors = result.output.split(separator: "\n").dropFirst().compactMap { Int($0) }.filter { $0 > 2 }
        // `ls` itself opens one descriptor for /proc/self/fd.
        #expect(descriptors.count <= 1, "inherited descriptors: \(descriptors)")

        let child = try ChildProcess("/bin/sleep", ["30"], streams: (0, 1, 2))
        #expect(child.stop(grace: .seconds(10)) == SIGTERM)  // SIGTERM, not the SIGKILL that follows a blocked one
    }

    @Test func manyChildrenAtOnceAreEachReapedByTheirOwner() async throws {
        try await withThrowingTaskGroup(of: Int32.self) { group in
            for index in 0..<24 {
                group.addTask { try ChildProcess.run("/bin/sh", ["-c", "exit \(index)"]).exitCode }
            }
            var codes: [Int32] = []
            for try await code in group { codes.append(code) }
            #expect(codes.sorted() == (0..<24).map(Int32.init))
        }
    }
}
