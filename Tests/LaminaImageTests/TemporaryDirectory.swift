import Foundation
import LaminaImage
import LaminaSystem

/// A directory under /tmp removed when the value is dropped.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "lamina-image-test") {
        path = "/tmp/\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func sub(_ name: String) -> String {
        let result = path + "/" + name
        try? FileManager.default.createDirectory(atPath: result, withIntermediateDirectories: true)
        return result
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs a program and returns its standard output; throws with its standard error when it fails
/// (or outlives `timeout`). Through LaminaSystem's `ChildProcess`, never Foundation's `Process`.
@discardableResult
func run(_ program: String, _ arguments: [String], input: String? = nil, timeout: Duration = .seconds(300)) throws -> String {
    let result = try ChildProcess.run(program, arguments, input: input, timeout: timeout)
    guard result.exitCode == 0, !result.timedOut else {
        let reason = result.timedOut ? "killed after \(timeout)" : "exit \(result.exitCode)"
        throw ToolFailure(message: "\(program) \(arguments.joined(separator: " ")) (\(reason)): \(result.errorOutput)")
    }
    return result.output
}

struct ToolFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A recursive listing of a tree with each entry's type, mode, owner, size, link target and
/// content digest, for comparing two trees.
func treeListing(_ root: String) throws -> [String] {
    var lines: [String] = []
    let enumerator = FileManager.default.enumerator(atPath: root)
    while let relative = enumerator?.nextObject() as? String {
        let path = root + "/" + relative
        var info = stat()
        guard lstat(path, &info) == 0 else { continue }
        var line = "\(relative) mode=\(String(info.st_mode, radix: 8)) uid=\(info.st_uid) gid=\(info.st_gid)"
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            line += " size=\(info.st_size) mtime=\(info.st_mtim.tv_sec)"
            if let data = FileManager.default.contents(atPath: path) { line += " data=\(Digest.of(data).short)" }
        case S_IFLNK:
            line += " -> \((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")"
        case S_IFCHR, S_IFBLK:
            line += " rdev=\(info.st_rdev)"
        default:
            break
        }
        lines.append(line)
    }
    return lines.sorted()
}

/// Starts a helper server with its output appended to `logPath` (or dropped).
func startHelper(_ program: String, _ arguments: [String], logPath: String? = nil) throws -> ChildProcess {
    let null = try MountCalls.openReadWrite("/dev/null")
    let log = try logPath.map { try MountCalls.openForAppending($0) } ?? null
    defer {
        MountCalls.close(null)
        if log != null { MountCalls.close(log) }
    }
    return try ChildProcess(program, arguments, streams: (null, log, log))
}
