import Foundation
import Testing

/// The image short forms docker users type, names as they write them, and archives through pipes.
@Suite(.serialized, .enabled(if: CLIFixture.enabled(CLIFixture.containerSkipReason, "ImageVerbTests")))
struct ImageVerbTests {
    @Test func shortFormsAndNames() throws {
        let fixture = try CLIFixture()
        let id = try fixture.lamina("images", "-q").check().output
        #expect(id.range(of: #"^[0-9a-f]{12}\n$"#, options: .regularExpression) != nil, "\(id)")
        #expect(try fixture.lamina("image", "ls", "-q").check().output == id)

        // docker.io/library/NAME is NAME: stored, listed and found in docker's short form.
        try fixture.lamina("tag", "sample:1", "docker.io/library/other:2").check()
        let listed = try fixture.lamina("images").check().output
        #expect(listed.contains("other:2") && !listed.contains("docker.io"), "\(listed)")
        #expect(try fixture.lamina("image", "inspect", "index.docker.io/library/other:2").code == 0)
        try fixture.lamina("rmi", "docker.io/library/other:2").check()
        #expect(!(try fixture.lamina("images").check().output.contains("other:2")))
        #expect(try fixture.lamina("rmi", "other:2").code == 1)

        // A short name finds localhost/NAME (podman's order), and run uses it without pulling.
        try fixture.lamina("tag", "sample:1", "localhost/ref:1").check()
        let run = try fixture.lamina("run", "--rm", "--pull", "never", "ref:1", "cat", "/etc/motd")
        #expect(run.code == 0 && run.output == "top layer changed this\n", "\(run)")
        #expect(!run.error.contains("Unable to find"))
    }

    /// `save`/`load` and `image export -`/`import -` through pipes, into another store.
    @Test func archivesThroughPipes() throws {
        let fixture = try CLIFixture()
        let other = fixture.directory + "/other"
        let saved = try fixture.shell("$LAMINA save sample:1 > saved.tar && LAMINA_STORE=\(other) $LAMINA load < saved.tar")
        #expect(saved.code == 0 && saved.output == "Loaded image: sample:1\n", "\(saved)")
        let piped = try fixture.shell("$LAMINA image export sample:1 - | LAMINA_STORE=\(other)-2 $LAMINA image import -")
        #expect(piped.code == 0 && piped.output.hasPrefix("sample:1 sha256:"), "\(piped)")
        let run = try fixture.lamina(["run", "--rm", "sample:1", "cat", "/opt/app/VERSION"], environment: ["LAMINA_STORE": other + "-2"])
        #expect(run.output == "1.0\n", "\(run)")
        try fixture.lamina("save", "-o", fixture.directory + "/file.tar", "sample:1").check()
        #expect(try fixture.lamina(["load", "-i", fixture.directory + "/file.tar"], environment: ["LAMINA_STORE": other + "-3"]).code == 0)
        let refused = try fixture.terminal("$LAMINA save sample:1")
        #expect(refused.code == 1 && refused.output.contains("standard output is a terminal"), "\(refused)")
    }
}

/// Registries as docker users reach them: push and pull, run pulling a missing image, plain HTTP on
/// loopback, a clear word when TLS meets a plain-HTTP registry, and the progress bar.
@Suite(.serialized, .enabled(if: CLIFixture.enabled(
    CLIFixture.containerSkipReason ?? (PlainRegistry.available ? nil : "needs docker-registry"), "RegistryRuleTests")))
struct RegistryRuleTests {
    @Test func pushThenPullAndRun() throws {
        let fixture = try CLIFixture()
        let registry = try PlainRegistry()
        let name = "\(registry.address)/lamina/sample:1"
        // Loopback: plain HTTP without --insecure.
        let pushed = try fixture.lamina("push", "sample:1", name).check()
        let digest = try #require(pushed.output.split(separator: " ").last).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(digest.hasPrefix("sha256:"))
        #expect(try fixture.lamina("image", "push", "sample:1", name).check().output.hasSuffix(digest + "\n"))
        if let skopeo = Tool.find("skopeo") {
            let inspected = try Tool.run(skopeo, ["inspect", "--tls-verify=false", "docker://" + name])
            #expect(inspected.contains("\"Digest\": \"\(digest)\""), "\(inspected)")
        }
        let other = ["LAMINA_STORE": fixture.directory + "/other"]
        let pulled = try fixture.lamina(["pull", name], environment: other).check()
        #expect(pulled.output == "\(name) \(digest)\n", "\(pulled)")
        #expect(!pulled.error.contains("\r"), "no progress bar when standard error is not a terminal")

        // run pulls what the store lacks, then runs it.
        let fresh = ["LAMINA_STORE": fixture.directory + "/fresh"]
        let never = try fixture.lamina(["run", "--rm", "--pull", "never", name, "true"], environment: fresh)
        #expect(never.code == 125 && never.error.contains("image not found"), "\(never)")
        let run = try fixture.lamina(["run", "--rm", name, "cat", "/etc/motd"], environment: fresh)
        #expect(run.code == 0 && run.output == "top layer changed this\n", "\(run)")
        #expect(run.error.contains("Unable to find image '\(name)' locally"), "\(run)")
        #expect(try fixture.lamina(["images"], environment: fresh).check().output.contains(name))
    }

    /// A registry off loopback speaking plain HTTP: HTTPS fails with a line that says --insecure.
    @Test func tlsAgainstPlainHTTPSaysInsecure() throws {
        guard let address = Self.nonLoopbackAddress() else {
            print("tlsAgainstPlainHTTPSaysInsecure skipped: no non-loopback IPv4 address")
            return
        }
        let fixture = try CLIFixture()
        let registry = try PlainRegistry(host: address)
        let name = "\(registry.address)/lamina/sample:1"
        let refused = try fixture.lamina("push", "sample:1", name)
        #expect(refused.code == 1 && refused.error.contains("TLS") && refused.error.contains("--insecure"), "\(refused)")
        #expect(refused.error.split(separator: "\n").count == 1)
        try fixture.lamina("push", "--insecure", "sample:1", name).check()
        let other = ["LAMINA_STORE": fixture.directory + "/other"]
        let pull = try fixture.lamina(["pull", name], environment: other)
        #expect(pull.code == 1 && pull.error.contains("--insecure"), "\(pull)")
        try fixture.lamina(["pull", "--insecure", name], environment: other).check()
    }

    /// On a terminal 40 columns wide, every frame of the bar fits in 39 (none wraps).
    @Test func progressBarFitsTheTerminal() throws {
        let fixture = try CLIFixture()
        let registry = try PlainRegistry()
        let name = "\(registry.address)/lamina/sample:1"
        try fixture.lamina("push", "sample:1", name).check()
        let shown = try fixture.terminal("LAMINA_STORE=\(fixture.directory)/other $LAMINA pull \(name) >/dev/null", columns: 40)
        #expect(shown.code == 0, "\(shown)")
        let frames = shown.output.replacingOccurrences(of: "\u{1B}[K", with: "").split(whereSeparator: { $0 == "\r" || $0 == "\n" })
            .map(String.init).filter { $0.contains("/") }
        #expect(!frames.isEmpty, "no progress drawn: \(shown)")
        for frame in frames { #expect(frame.count <= 39, "\(frame.count) columns: \(frame)") }
    }

    /// This machine's first IPv4 address off loopback, if it has one.
    static func nonLoopbackAddress() -> String? {
        guard let output = try? Tool.run("/usr/sbin/ip", ["-4", "-o", "addr", "show", "scope", "global"]) else { return nil }
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if let index = fields.firstIndex(of: "inet"), index + 1 < fields.count {
                return fields[index + 1].split(separator: "/").first.map(String.init)
            }
        }
        return nil
    }
}
