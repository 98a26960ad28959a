import Foundation
import LaminaSystem

/// Another program the runtime runs: runc, the mount daemon's starter, fuse-overlayfs.
///
/// `run` waits for it (bounded) and returns its exit code and its output (for error messages);
/// `spawn` starts it on given standard streams and leaves the waiting to the caller. Both go
/// through LaminaSystem's `ChildProcess`: a child gets only the descriptors it is handed, an empty
/// signal mask and default dispositions. Stateless namespace.
enum ExternalCommand {
    struct Result: Sendable {
        var exitCode: Int32
        var output: String

        /// The output's last non-empty line, the part of an error message worth showing.
        var lastLine: String {
            output.split(separator: "\n").last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        }
    }

    /// Runs `executable` with `arguments` (argv[0] not included) to its end, stdin from nothing;
    /// the output is what it wrote to standard output, then to standard error.
    static func run(_ executable: String, _ arguments: [String]) throws(SystemError) -> Result {
        let result = try ChildProcess.run(executable, arguments, timeout: .seconds(300))
        let note = result.timedOut ? "\n\(executable) did not finish within 300 s and was killed" : ""
        return Result(exitCode: result.exitCode, output: result.output + result.errorOutput + note)
    }

    /// Starts `executable` with the given descriptors as its standard input, output and error
    /// (plus `extra` pairs); nothing else of ours crosses. The caller reaps it.
    static func spawn(
        _ executable: String, _ arguments: [String], streams: (Int32, Int32, Int32), extra: [(Int32, Int32)] = []
    ) throws(SystemError) -> Int32 {
        try ChildProcess(executable, arguments, streams: streams, extra: extra.map { (source: $0.0, target: $0.1) }).pid
    }

    /// The first executable file named `name` in the directories of `PATH`.
    static func find(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        let directories = (path ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(separator: ":")
        for directory in directories {
            let candidate = "\(directory)/\(name)"
            if let info = try? PosixCall.stat(candidate), info.st_mode & S_IFMT == S_IFREG, info.st_mode & 0o111 != 0 {
                return candidate
            }
        }
        return nil
    }
}
