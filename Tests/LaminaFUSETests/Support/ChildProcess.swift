import Foundation
import Glibc

/// A started child process whose output goes to two temporary files; used directly for FUSE
/// daemons the harness runs in the foreground, and by `Command` for everything else.
///
/// Not thread-safe: one owner waits for it. `pid` may be read from any thread (to kill it).
final class ChildProcess {
    let pid: Int32
    let commandLine: String
    private let process: Process
    private let outputPath: String
    private let errorPath: String

    init(_ executable: String, _ arguments: [String], in directory: String?, environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        process.environment = merged
        outputPath = try Self.temporaryFile()
        errorPath = try Self.temporaryFile()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        commandLine = ([executable] + arguments).joined(separator: " ")
        do { try process.run() } catch {
            throw HarnessError("cannot start \(commandLine): \(error)")
        }
        self.process = process
        pid = process.processIdentifier
    }

    deinit {
        if process.isRunning { Glibc.kill(pid, SIGKILL); process.waitUntilExit() }
        unlink(outputPath)
        unlink(errorPath)
    }

    var isRunning: Bool { process.isRunning }

    /// Waits for the child to exit; false when it was still running after `timeout`.
    func wait(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { return false }
            usleep(5_000)
        }
        process.waitUntilExit()
        return true
    }

    func kill() { Glibc.kill(pid, SIGKILL) }

    /// Status and output so far (the status is -1 while the child runs).
    func result() -> CommandResult {
        CommandResult(
            status: process.isRunning ? -1 : process.terminationStatus,
            output: Self.contents(outputPath), errorOutput: Self.contents(errorPath))
    }

    private static func contents(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    private static func temporaryFile() throws -> String {
        var template = Array("/tmp/lamina-test-output.XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw HarnessError("mkstemp: \(String(cString: strerror(errno)))") }
        close(descriptor)
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
