import CLaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// What a program run to its end left: its wait status and what it wrote.
public struct ChildProcessOutput: Sendable, Equatable {
    /// The raw wait status (see `exitCode`).
    public var status: Int32
    public var output: String
    public var errorOutput: String
    /// True when the program outlived its time limit and was killed.
    public var timedOut: Bool

    /// The exit code a shell would report: the exit status, or 128 + the signal.
    public var exitCode: Int32 { ProcessCalls.exitCode(fromWaitStatus: status) }
}

extension ChildProcess {
    /// Runs `executable` with `arguments` to its end, with `input` (or nothing) on standard input.
    /// Output and error go through unnamed temporary files, not pipes: a chatty child never blocks
    /// and a grandchild that outlives it holds no pipe we wait on. After `timeout` the child gets
    /// SIGTERM, then SIGKILL, and the result says `timedOut`.
    public static func run(
        _ executable: String, _ arguments: [String], input: String? = nil, environment: [String]? = nil,
        directory: String? = nil, timeout: Duration = .seconds(300)
    ) throws(SystemError) -> ChildProcessOutput {
        let stdin = try anonymousFile()
        defer { MountCalls.close(stdin) }
        let stdout = try anonymousFile()
        defer { MountCalls.close(stdout) }
        let stderr = try anonymousFile()
        defer { MountCalls.close(stderr) }
        if let input {
            try MountCalls.writeAll(stdin, Array(input.utf8), path: "standard input of \(executable)")
            _ = lseek(stdin, 0, SEEK_SET)
        }
        let child = try ChildProcess(executable, arguments, environment: environment, directory: directory,
                                     streams: (stdin, stdout, stderr))
        var status = child.wait(timeout: timeout)
        let timedOut = status == nil
        if timedOut { status = child.stop(grace: .seconds(2)) }
        return ChildProcessOutput(
            status: status ?? 0, output: try contents(stdout, executable), errorOutput: try contents(stderr, executable),
            timedOut: timedOut)
    }

    private static func anonymousFile() throws(SystemError) -> Int32 {
        try retryingOnInterrupt("open", path: "/tmp") { clamina_anonymous_file("/tmp") }
    }

    private static func contents(_ descriptor: Int32, _ executable: String) throws(SystemError) -> String {
        _ = lseek(descriptor, 0, SEEK_SET)
        return String(decoding: try MountCalls.readToEnd(descriptor, path: "output of \(executable)"), as: UTF8.self)
    }
}
