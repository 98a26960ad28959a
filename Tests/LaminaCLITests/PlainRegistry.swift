import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Debian's `docker-registry` speaking plain HTTP on `host` (loopback by default) for one test,
/// without authentication; stopped and its storage deleted when the value is dropped. It is
/// ready once its log says it listens (a port taken by someone else makes it exit: another is
/// tried).
final class PlainRegistry {
    let address: String
    private let server: ChildProcess
    private let directory: String

    static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry")

    init(host: String = "127.0.0.1") throws {
        directory = "/tmp/lamina-cli-registry-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let log = directory + "/registry.log"
        for port in (0..<5).map({ _ in Int.random(in: 20_000...60_000) }) {
            let config = """
                version: 0.1
                log: {level: info}
                storage: {filesystem: {rootdirectory: \(directory)/data}, delete: {enabled: true}}
                http: {addr: "\(host):\(port)"}
                """
            try Data(config.utf8).write(to: URL(fileURLWithPath: directory + "/config.yml"))
            let output = try MountCalls.openForAppending(log)
            let null = try MountCalls.openReadWrite("/dev/null")
            let child = try ChildProcess("/usr/bin/docker-registry", ["serve", directory + "/config.yml"], streams: (null, output, output))
            MountCalls.close(output)
            MountCalls.close(null)
            for _ in 0..<100 where child.poll() == nil {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if text.contains("listening on \(host):\(port)") {
                    server = child
                    address = "\(host):\(port)"
                    return
                }
                usleep(50_000)
            }
            _ = child.stop(grace: .seconds(2))
        }
        try? FileManager.default.removeItem(atPath: directory)
        throw Tool.Failure(message: "docker-registry did not start on \(host): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    deinit {
        _ = server.stop(grace: .seconds(2))
        try? FileManager.default.removeItem(atPath: directory)
    }
}
