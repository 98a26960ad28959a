import Foundation
import LaminaSystem

/// Debian's docker-registry serving from a directory on a free loopback port, for the lazy-pull
/// benchmark; stopped by `stop()`.
///
/// Thread safety: immutable; the child process handle is `Sendable`.
final class BenchRegistry: Sendable {
    let port: UInt16
    private let process: ChildProcess

    init(directory: String, program: String = "/usr/bin/docker-registry") throws {
        var lastError = "no port tried"
        for _ in 0..<5 {
            let port = UInt16.random(in: 20_000...60_000)
            let config = directory + "/registry.yml"
            let text = """
                version: 0.1
                log: {accesslog: {disabled: true}, level: error}
                storage: {filesystem: {rootdirectory: \(directory)/data}}
                http: {addr: 127.0.0.1:\(port)}
                """
            try Data(text.utf8).write(to: URL(fileURLWithPath: config))
            let null = try MountCalls.openReadWrite("/dev/null")
            let log = try MountCalls.openForAppending(directory + "/registry.log")
            let process = try ChildProcess(program, ["serve", config], streams: (null, log, log))
            MountCalls.close(null)
            MountCalls.close(log)
            for _ in 0..<100 where process.poll() == nil {
                if let socket = try? StreamSocket.connect(port: port) {
                    socket.close()
                    self.port = port
                    self.process = process
                    return
                }
                usleep(50_000)
            }
            _ = process.stop()
            lastError = "docker-registry did not answer on port \(port) (see \(directory)/registry.log)"
        }
        throw LazyBenchmarkFailure(lastError)
    }

    func stop() {
        _ = process.stop()
    }
}
