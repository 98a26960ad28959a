import Foundation
import LaminaImage
import LaminaSystem

/// Debian's `docker-registry` serving on 127.0.0.1 for one test, optionally behind htpasswd auth.
/// Started on a free port (retrying a few ports), stopped when the value is dropped.
final class LocalRegistry {
    let address: String
    let logPath: String
    private let process: ChildProcess
    private let directory: TemporaryDirectory

    static var available: Bool {
        ["/usr/bin/docker-registry", "/usr/bin/skopeo", "/usr/bin/curl"].allSatisfy(FileManager.default.isExecutableFile(atPath:))
    }
    static var htpasswdAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/htpasswd") }

    init(htpasswd: (user: String, password: String)? = nil, token: TokenServer? = nil) throws {
        directory = TemporaryDirectory("lamina-registry")
        var authBlock = ""
        if let htpasswd {
            let line = try run("/usr/bin/htpasswd", ["-Bbn", htpasswd.user, htpasswd.password])
            try Data(line.utf8).write(to: URL(fileURLWithPath: directory.path + "/htpasswd"))
            authBlock = "auth: {htpasswd: {realm: lamina, path: \(directory.path)/htpasswd}}\n"
        }
        if let token {
            authBlock = "auth: {token: {realm: \"\(token.realm)\", service: \(TokenServer.service), "
                + "issuer: \(TokenServer.issuer), rootcertbundle: \(token.certificatePath)}}\n"
        }
        logPath = directory.path + "/registry.log"
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...60_000)
            let config = directory.path + "/config.yml"
            let text = """
                version: 0.1
                log: {accesslog: {disabled: false}, level: info}
                storage: {filesystem: {rootdirectory: \(directory.path)/data}}
                http: {addr: 127.0.0.1:\(port)}
                \(authBlock)
                """
            try Data(text.utf8).write(to: URL(fileURLWithPath: config))
            let process = try startHelper("/usr/bin/docker-registry", ["serve", config], logPath: logPath)
            for _ in 0..<100 where process.poll() == nil {
                if let code = try? run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/v2/"]),
                    code == "200" || code == "401"
                {
                    self.process = process
                    address = "127.0.0.1:\(port)"
                    return
                }
                usleep(100_000)
            }
            process.stop()
        }
        throw ToolFailure(message: "docker-registry did not start")
    }

    /// Pushes `source` (a skopeo transport reference) to `name` on this registry.
    func push(_ source: String, as name: String, arguments: [String] = []) throws {
        try run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false"] + arguments + [source, "docker://\(address)/\(name)"])
    }

    /// Where the registry keeps a blob's bytes (to corrupt them on purpose).
    func blobDataPath(_ digest: Digest) -> String {
        "\(directory.path)/data/docker/registry/v2/blobs/sha256/\(digest.encoded.prefix(2))/\(digest.encoded)/data"
    }

    /// Stops the registry now (it stops anyway when the value is dropped).
    func stop() {
        process.stop()
    }

    /// How many range requests (`206 Partial Content`) the registry served for a blob.
    func blobRangeRequests(_ digest: String) -> Int {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0.contains("\"GET /v2/") && $0.contains("/blobs/\(digest)") && $0.contains("\" 206 ") }.count
    }

    /// How many times the registry served `GET` for a blob.
    func blobDownloads(_ digest: String) -> Int {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0.contains("\"GET /v2/") && $0.contains("/blobs/\(digest)") && $0.contains("\" 200 ") }.count
    }

    deinit {
        process.stop()
    }
}
