import Foundation
import Glibc
import LaminaSystem

/// A started child process whose output goes to two temporary files; used directly for FUSE
/// daemons the harness runs in the foreground, and by `Command` for everything else.
///
/// Started and waited for through LaminaSystem's `ChildProcess` (posix_spawn, waitpid on this
/// pid only, bounded waits), never Foundation's `Process`, whose waits can spin on the test's
/// concurrency threads. Thread-safe as that type is: `kill()` may come from any thread.
final class ChildProcess: Sendable {
    let pid: Int32
    let commandLine: String
    private let child: LaminaSystem.ChildProcess
    private let outputPath: String
    private let errorPath: String

    init(_ executable: String, _ arguments: [String], in directory: String?, environment: [String: String]) throws {
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        outputPath = try Self.temporaryFile()
        errorPath = try Self.temporaryFile()
        commandLine = ([executable] + arguments).joined(separator: " ")
        let null = try PosixCall.open("/dev/null", flags: O_RDONLY | O_CLOEXEC)
        let output = try PosixCall.open(outputPath, flags: O_WRONLY | O_CLOEXEC)
        let error = try PosixCall.open(errorPath, flags: O_WRONLY | O_CLOEXEC)
        defer { for descriptor in [null, output, error] { PosixCall.close(descriptor) } }
        do {
            child = try LaminaSystem.ChildProcess(
                executable, arguments, environment: merged.map { "\($0.key)=\($0.value)" }, directory: directory,
                streams: (null, output, error))
        } catch {
            throw HarnessError("cannot start \(commandLine): \(error)")
        }
        pid = child.pid
    }

    deinit {
        if child.poll() == nil {
            child.signal(SIGKILL)
            child.wait(timeout: .seconds(10))
        }
        unlink(outputPath)
        unlink(errorPath)
    }

    var isRunning: Bool { child.poll() == nil }

    /// Waits for the child to exit; false when it was still running after `timeout`.
    func wait(timeout: Duration) -> Bool {
        child.wait(timeout: timeout) != nil
    }

    func kill() { child.signal(SIGKILL) }

    /// Sends `signal` (SIGSTOP, SIGCONT) to the child.
    func signal(_ signal: Int32) { child.signal(signal) }

    /// Status and output so far (the status is -1 while the child runs; 128 + N when killed by N).
    func result() -> CommandResult {
        CommandResult(
            status: child.exitCode ?? -1,
            output: Self.contents(outputPath), errorOutput: Self.contents(errorPath))
    }

    /// The file's bytes as text, every byte past ASCII as `\xNN`: output may name files that are
    /// not UTF-8, and comparing it as `String`s would take NFC and NFD `café` for the same text.
    private static func contents(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        var text = ""
        for byte in data {
            if byte < 0x80 { text.unicodeScalars.append(Unicode.Scalar(byte)) } else { text += PathText.escape(bytes: [byte]) }
        }
        return text
    }

    private static func temporaryFile() throws -> String {
        var template = Array("/tmp/lamina-test-output.XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw HarnessError("mkstemp: \(String(cString: strerror(errno)))") }
        close(descriptor)
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
