import Foundation
import Glibc

/// What a finished child process left: its exit status and what it wrote.
struct CommandResult: Sendable, Equatable {
    var status: Int32
    var output: String
    var errorOutput: String
    var timedOut = false

    /// Everything an observer of the process saw, as one block (what scenario comparisons compare).
    var transcript: String {
        var text = output
        if !errorOutput.isEmpty { text += "[stderr]\n" + errorOutput }
        text += "[exit \(status)\(timedOut ? ", killed after timeout" : "")]"
        return text
    }
}

/// A failure of the harness itself (a tool that should work did not), with what it printed.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs child processes for the harness: every run has a timeout (a hung mount must fail a test,
/// not hang the suite), and output goes through files, so a chatty child never blocks on a pipe.
enum Command {
    static func run(
        _ program: String, _ arguments: [String], in directory: String? = nil,
        environment: [String: String] = [:], timeout: Duration = .seconds(120)
    ) throws -> CommandResult {
        guard let executable = TestHost.which(program) else { throw HarnessError("\(program): not found on PATH") }
        let child = try ChildProcess(executable, arguments, in: directory, environment: environment)
        let finished = child.wait(timeout: timeout)
        if !finished { child.kill() ; _ = child.wait(timeout: .seconds(10)) }
        var result = child.result()
        result.timedOut = !finished
        return result
    }

    /// Like `run`, but a non-zero exit is an error naming the command and its output.
    @discardableResult
    static func check(
        _ program: String, _ arguments: [String], in directory: String? = nil,
        environment: [String: String] = [:], timeout: Duration = .seconds(120)
    ) throws -> CommandResult {
        let result = try run(program, arguments, in: directory, environment: environment, timeout: timeout)
        guard result.status == 0, !result.timedOut else {
            throw HarnessError("\(([program] + arguments).joined(separator: " ")) failed:\n\(result.transcript)")
        }
        return result
    }

    /// `/bin/sh -c script` in `directory`.
    static func shell(
        _ script: String, in directory: String, environment: [String: String] = [:],
        timeout: Duration = .seconds(120)
    ) throws -> CommandResult {
        try run("/bin/sh", ["-c", script], in: directory, environment: environment, timeout: timeout)
    }
}
