import Foundation
import LaminaImage

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

/// Runs a program and returns its standard output; throws with its standard error when it fails.
@discardableResult
func run(_ program: String, _ arguments: [String], input: String? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    if let input {
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
    } else {
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    let errData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ToolFailure(message: "\(program) \(arguments.joined(separator: " ")): \(String(decoding: errData, as: UTF8.self))")
    }
    return String(decoding: outData, as: UTF8.self)
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

/// Stops a helper process: SIGTERM, then SIGKILL if it lingers (a child spawned from a test's
/// concurrency thread can inherit a mask that blocks SIGTERM), waiting boundedly: Foundation's
/// `waitUntilExit` can spin when called from such a thread.
func stopProcess(_ process: Process) {
    guard process.isRunning else { return }
    kill(process.processIdentifier, SIGTERM)
    for attempt in 0..<300 where process.isRunning {
        if attempt == 50 { kill(process.processIdentifier, SIGKILL) }
        usleep(10_000)
    }
}
