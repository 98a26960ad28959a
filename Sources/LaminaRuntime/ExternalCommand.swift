import Foundation
import LaminaSystem

/// Another program the runtime runs: runc, the mount daemon's starter, fuse-overlayfs.
///
/// `run` waits for it and returns its exit code and its combined output (for error messages);
/// `spawn` starts it on given standard streams and leaves the waiting to the caller. Every other
/// descriptor of ours is close-on-exec, so a child never holds our pipes. Stateless namespace.
enum ExternalCommand {
    struct Result: Sendable {
        var exitCode: Int32
        var output: String

        /// The output's last non-empty line, the part of an error message worth showing.
        var lastLine: String {
            output.split(separator: "\n").last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        }
    }

    /// Runs `executable` with `arguments` (argv[0] not included) to its end, stdin from /dev/null.
    static func run(_ executable: String, _ arguments: [String]) throws(SystemError) -> Result {
        let pipe = try MountCalls.makePipe()
        let null = try MountCalls.openReadWrite("/dev/null")
        let pid: Int32
        do {
            defer {
                MountCalls.close(pipe.write)
                MountCalls.close(null)
            }
            pid = try spawn(executable, arguments, streams: (null, pipe.write, pipe.write))
        }
        let output: [UInt8]
        do {
            defer { MountCalls.close(pipe.read) }
            output = try MountCalls.readToEnd(pipe.read, path: executable)
        }
        let status = try MountCalls.exitStatus(of: pid, blocking: true) ?? 0
        return Result(exitCode: ProcessCalls.exitCode(fromWaitStatus: status), output: String(decoding: output, as: UTF8.self))
    }

    /// Starts `executable` with the given descriptors as its standard input, output and error.
    static func spawn(
        _ executable: String, _ arguments: [String], streams: (Int32, Int32, Int32), extra: [(Int32, Int32)] = []
    ) throws(SystemError) -> Int32 {
        try MountCalls.closeOnExec(from: 3)
        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        return try MountCalls.spawn(
            executable, arguments: [executable] + arguments, environment: environment,
            descriptors: [(streams.0, 0), (streams.1, 1), (streams.2, 2)] + extra.map { (source: $0.0, target: $0.1) })
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
