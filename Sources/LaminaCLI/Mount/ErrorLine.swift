import ArgumentParser
import Glibc
import LaminaSystem

/// How the mount commands report a failure: one line on standard error, named after the command
/// (`lamina mount: work directory /w is not empty`), then exit status 1.
enum ErrorLine {
    /// Prints `program: error` and returns the exit code to throw.
    static func report(_ program: String, _ error: any Error) -> ExitCode {
        print("\(program): \(error)")
        return ExitCode.failure
    }

    /// Writes one line to standard error.
    static func print(_ line: String) {
        try? MountCalls.writeAll(STDERR_FILENO, Array((line + "\n").utf8))
    }
}
