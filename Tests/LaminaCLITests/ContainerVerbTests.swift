import Foundation
import Testing

/// The container verbs docker users reach for: exec, start/restart, inspect, cp, logs, ps -q, kill.
@Suite(.serialized, .enabled(if: CLIFixture.enabled(CLIFixture.containerSkipReason, "ContainerVerbTests")))
struct ContainerVerbTests {
    @Test func exec() throws {
        let fixture = try CLIFixture()
        try fixture.lamina("run", "-d", "--name", "box", "sample:1", "sleep", "600").check()
        let plain = try fixture.lamina("exec", "box", "sh", "-c", "echo $GREETING; pwd; id -u; exit 5")
        #expect(plain.code == 5)
        #expect(plain.output == "hello\n/opt/app\n0\n", "\(plain)")
        let changed = try fixture.lamina("exec", "-e", "EXTRA=1", "-w", "/tmp", "-u", "app", "box", "sh", "-c", "echo $EXTRA $(pwd) $(id -un)")
        #expect(changed.output == "1 /tmp app\n", "\(changed)")
        let input = try fixture.lamina(["exec", "-i", "box", "sh", "-c", "tr a-z A-Z; echo err >&2"], input: "piped\n")
        #expect(input.output == "PIPED\n" && input.error == "err\n", "\(input)")
        #expect(try fixture.lamina("exec", "box", "/etc/motd").code == 126)
        #expect(try fixture.lamina("exec", "box", "nope").code == 127)
        // Started in the background, the command runs on after exec returns.
        try fixture.lamina("exec", "-d", "box", "sh", "-c", "echo detached > /tmp/mark").check()
        var mark = ""
        for _ in 0..<40 where mark.isEmpty {
            usleep(100_000)
            mark = try fixture.lamina("exec", "box", "cat", "/tmp/mark").output
        }
        #expect(mark == "detached\n")
        // exec output is not the container's log (as docker).
        #expect(try fixture.lamina("logs", "box").check().output.isEmpty)
        try fixture.lamina("stop", "-t", "0", "box").check()
        let stopped = try fixture.lamina("exec", "box", "true")
        #expect(stopped.code == 125 && stopped.error.contains("is not running"), "\(stopped)")
    }

    @Test func startAndRestart() throws {
        let fixture = try CLIFixture()
        let script = "echo run >> /runs; wc -l < /runs; exit 3"
        let first = try fixture.lamina("run", "--name", "again", "sample:1", "sh", "-c", script)
        #expect(first.code == 3 && first.output == "1\n")
        let attached = try fixture.lamina("start", "-a", "again")
        #expect(attached.code == 3 && attached.output == "2\n", "\(attached)")
        #expect(try fixture.lamina("start", "again").check().output == "again\n")
        var logs = ""
        for _ in 0..<50 where !logs.hasSuffix("3\n") {
            usleep(100_000)
            logs = try fixture.lamina("logs", "again").check().output
        }
        #expect(logs == "1\n2\n3\n", "the log keeps every run")

        try fixture.lamina("run", "-d", "--name", "server", "sample:1", "sleep", "600").check()
        let pid = try fixture.lamina("inspect", "-f", "{{.State.Pid}}", "server").check().output
        try fixture.lamina("restart", "-t", "0", "server").check()
        let restarted = try fixture.lamina("inspect", "-f", "{{.State.Status}} {{.State.Pid}}", "server").check().output
        #expect(restarted.hasPrefix("running ") && restarted != "running " + pid, "\(restarted)")
        // Starting a running container changes nothing.
        #expect(try fixture.lamina("start", "server").check().output == "server\n")
        #expect(try fixture.lamina("inspect", "-f", "{{.State.Pid}}", "server").check().output == String(restarted.dropFirst(8)))
    }

    @Test func inspect() throws {
        let fixture = try CLIFixture()
        let volume = fixture.directory + "/volume"
        try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
        try fixture.lamina("run", "--name", "seen", "--hostname", "seen.local", "-v", "\(volume):/data:ro", "sample:1", "sh", "-c", "exit 4")
            .check(allowing: 4)
        let array = try fixture.lamina("inspect", "seen").check().output
        let parsed = try JSONSerialization.jsonObject(with: Data(array.utf8)) as? [[String: Any]]
        let details = try #require(parsed?.first)
        #expect(details["Name"] as? String == "seen")
        #expect((details["State"] as? [String: Any])?["ExitCode"] as? Int == 4)
        #expect((details["Config"] as? [String: Any])?["Hostname"] as? String == "seen.local")
        let mounts = details["Mounts"] as? [[String: Any]]
        #expect(mounts?.first?["Source"] as? String == volume && mounts?.first?["RW"] as? Bool == false)
        let formatted = try fixture.lamina("inspect", "-f", "{{.State.Status}} {{json .Args}} {{.Config.Image}} {{.Nope}}", "seen").check()
        #expect(formatted.output == "exited [\"-c\",\"exit 4\"] sample:1 <no value>\n", "\(formatted)")
        // A name no container has is looked up among images.
        #expect(try fixture.lamina("inspect", "-f", "{{json .names}}", "sample:1").check().output == "[\"sample:1\"]\n")
        let missing = try fixture.lamina("inspect", "nothing")
        #expect(missing.code == 1 && missing.error.contains("no such container or image"))
    }

    /// docker's cp rules both ways, on a stopped and on a running container (whose /tmp is its own
    /// tmpfs), and no link inside the container ever reaches a host file.
    @Test func copy() throws {
        let fixture = try CLIFixture()
        let host = fixture.directory + "/host"
        try FileManager.default.createDirectory(atPath: host + "/tree/sub", withIntermediateDirectories: true)
        try Data("file\n".utf8).write(to: URL(fileURLWithPath: host + "/tree/file"))
        try Data("deep\n".utf8).write(to: URL(fileURLWithPath: host + "/tree/sub/deep"))
        try FileManager.default.createSymbolicLink(atPath: host + "/tree/link", withDestinationPath: "file")
        try fixture.lamina("run", "--name", "stopped", "sample:1", "sh", "-c", "ln -s / /escape; ln -s ../../../../etc/motd /relative").check()
        try fixture.lamina("cp", host + "/tree", "stopped:/opt/copied").check()
        try fixture.lamina("cp", host + "/tree/file", "stopped:/etc/").check()
        try fixture.lamina("cp", host + "/tree/.", "stopped:/usr/share/").check()
        // The copies are the container's: in its writable layer, not in the image.
        #expect(try fixture.lamina("diff", "stopped").check().output.contains("A /opt/copied/sub/deep"))
        #expect(try fixture.lamina("run", "--rm", "sample:1", "ls", "/opt").check().output == "app\n")
        try fixture.lamina("cp", "stopped:/opt/copied", host + "/back").check()
        #expect(try String(contentsOfFile: host + "/back/sub/deep", encoding: .utf8) == "deep\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: host + "/back/link") == "file")
        try fixture.lamina("cp", "stopped:/etc/file", host + "/single").check()
        #expect(try String(contentsOfFile: host + "/single", encoding: .utf8) == "file\n")
        try fixture.lamina("cp", "stopped:/usr/share/sub/deep", host).check()
        #expect(FileManager.default.fileExists(atPath: host + "/deep"))
        // Links in the container resolve inside it: /escape/etc/motd is the container's motd.
        try fixture.lamina("cp", "stopped:/escape/etc/motd", host + "/motd").check()
        #expect(try String(contentsOfFile: host + "/motd", encoding: .utf8) == "top layer changed this\n")
        try fixture.lamina("cp", host + "/tree/file", "stopped:/relative").check()
        #expect(try String(contentsOfFile: "/etc/motd", encoding: .utf8) != "file\n")
        let missing = try fixture.lamina("cp", "stopped:/no/such", host + "/x")
        #expect(missing.code == 1 && missing.error.contains("/no/such"), "\(missing)")

        try fixture.lamina("run", "-d", "--name", "running", "sample:1", "sleep", "600").check()
        try fixture.lamina("cp", host + "/tree", "running:/tmp/").check()
        #expect(try fixture.lamina("exec", "running", "cat", "/tmp/tree/sub/deep").check().output == "deep\n")
        try fixture.lamina("exec", "running", "sh", "-c", "echo made-inside > /tmp/inside").check()
        try fixture.lamina("cp", "running:/tmp/inside", host + "/inside").check()
        #expect(try String(contentsOfFile: host + "/inside", encoding: .utf8) == "made-inside\n")
    }

    /// Standard error stays standard error; --tail, -t; -f follows until the container exits;
    /// foreground containers keep their logs too. (runc copies the two streams apart, so their
    /// order is only certain with a pause between them.)
    @Test func logs() throws {
        let fixture = try CLIFixture()
        let run = try fixture.lamina("run", "--name", "talker", "sample:1", "sh", "-c", "echo out1; echo err1 >&2; sleep 0.3; echo out2; printf end")
        #expect(run.output == "out1\nout2\nend" && run.error == "err1\n", "\(run)")
        let logs = try fixture.lamina("logs", "talker").check()
        #expect(logs.output == "out1\nout2\nend" && logs.error == "err1\n", "\(logs)")
        #expect(try fixture.lamina("logs", "--tail", "2", "talker").check().output == "out2\nend")
        let stamped = try fixture.lamina("logs", "-t", "-n", "1", "talker").check().output
        #expect(stamped.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z end$"#, options: .regularExpression) != nil, "\(stamped)")

        try fixture.lamina("run", "-d", "--name", "ticker", "sample:1", "sh", "-c", "for i in 1 2 3; do echo tick $i; sleep 0.5; done; echo done >&2")
            .check()
        let start = ContinuousClock.now
        let followed = try fixture.lamina("logs", "-f", "ticker").check()
        #expect(followed.output == "tick 1\ntick 2\ntick 3\n" && followed.error == "done\n", "\(followed)")
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(try fixture.lamina("inspect", "-f", "{{.State.Status}}", "ticker").check().output == "exited\n")
    }

    @Test func quietListsAndSignals() throws {
        let fixture = try CLIFixture()
        let id = try fixture.lamina("run", "-d", "--name", "trapper", "sample:1", "sh", "-c", "trap 'echo got USR1' USR1; while true; do sleep 0.1; done")
            .check().output
        try fixture.lamina("run", "--name", "finished", "sample:1", "true").check()
        #expect(try fixture.lamina("ps", "-q").check().output == String(id.prefix(12)) + "\n")
        #expect(try fixture.lamina("ps", "-aq").check().output.split(separator: "\n").count == 2)
        let bad = try fixture.lamina("kill", "-s", "NOSUCH", "trapper")
        #expect(bad.code == 1 && bad.error.contains("invalid signal: NOSUCH"), "\(bad)")
        RunRuleTests.expectNoRuncLines(bad.error)
        try fixture.lamina("kill", "-s", "sigusr1", "trapper").check()
        var logs = ""
        for _ in 0..<50 where logs.isEmpty {
            usleep(100_000)
            logs = try fixture.lamina("logs", "trapper").check().output
        }
        #expect(logs == "got USR1\n")
        try fixture.lamina("kill", "trapper").check()
    }
}

extension CLIFixture.Outcome {
    /// Fails unless lamina exited with `code`.
    @discardableResult
    func check(allowing code: Int32) throws -> Self {
        guard self.code == code else { throw Tool.Failure(message: "expected exit \(code): \(self)") }
        return self
    }
}
