import Foundation
import LaminaSystem

/// A bearer-token issuer for `docker-registry`'s token auth: a small Python HTTP server (standard
/// library only) that checks basic credentials and returns an RS256 JWT signed by `openssl`, with the
/// self-signed certificate in its `x5c` header. Stopped when the value is dropped.
final class TokenServer {
    let realm: String
    let certificatePath: String
    private let process: ChildProcess
    private let directory: TemporaryDirectory

    static let service = "lamina-registry"
    static let issuer = "lamina-test-issuer"

    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    }

    init(user: String, password: String) throws {
        directory = TemporaryDirectory("lamina-token")
        let key = directory.path + "/key.pem"
        certificatePath = directory.path + "/cert.pem"
        try run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificatePath,
            "-days", "1", "-subj", "/CN=\(Self.issuer)",
        ])
        let script = directory.path + "/token.py"
        try Data(Self.source.utf8).write(to: URL(fileURLWithPath: script))
        let portFile = directory.path + "/port"
        let process = try startHelper("/usr/bin/python3", [script, key, certificatePath, user, password, Self.service, Self.issuer, portFile])
        self.process = process
        var port = ""
        for _ in 0..<100 {
            port = ((try? String(contentsOfFile: portFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if !port.isEmpty { break }
            usleep(50_000)
        }
        guard !port.isEmpty else {
            process.stop()
            throw ToolFailure(message: "token server did not start")
        }
        realm = "http://127.0.0.1:\(port)/token"
    }

    deinit {
        process.stop()
    }

    private static let source = #"""
        import base64, http.server, json, os, subprocess, sys, time, urllib.parse
        key, cert, user, password, service, issuer, port_file = sys.argv[1:8]
        der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], capture_output=True, check=True).stdout
        def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args): pass
            def do_GET(self):
                expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self.send_response(401); self.end_headers(); return
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                access = []
                for scope in query.get("scope", []):
                    kind, name, actions = scope.split(":")
                    access.append({"type": kind, "name": name, "actions": actions.split(",")})
                now = int(time.time())
                header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(der).decode()]}
                claims = {"iss": issuer, "sub": user, "aud": service, "exp": now + 600, "nbf": now - 60,
                          "iat": now, "jti": os.urandom(8).hex(), "access": access}
                signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
                signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing_input.encode(),
                                           capture_output=True, check=True).stdout
                body = json.dumps({"token": signing_input + "." + b64(signature)}).encode()
                self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers()
                self.wfile.write(body)
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        with open(port_file + ".tmp", "w") as f: f.write(str(server.server_address[1]))
        os.rename(port_file + ".tmp", port_file)
        server.serve_forever()
        """#
}
