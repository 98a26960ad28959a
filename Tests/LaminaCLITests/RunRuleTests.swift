import Foundation
import Testing

/// `lamina run` as docker users know it: exit codes, the terminal, and the flags docker has.
@Suite(.serialized, .enabled(if: CLIFixture.enabled(CLIFixture.containerSkipReason, "RunRuleTests")))
struct RunRuleTests {
    /// The container's own code, else docker's: 125 lamina failed, 126 cannot run, 127 not found.
    /// `{file}` stands for a host file (bound onto a directory, runc's mount fails).
    @Test(arguments: [
        ([String](), "sample:1", ["sh", "-c", "exit 7"], Int32(7), ""),
        (["--bogus"], "sample:1", ["true"], 125, "Unknown option '--bogus'"),
        (["--pull", "never"], "missing:1", ["true"], 125, "image not found: missing:1"),
        ([], "Bad::Ref", ["true"], 125, "invalid reference format"),
        ([], "sample:1", ["/etc/motd"], 126, "cannot be run"),
        ([], "sample:1", ["no-such-command"], 127, "command not found"),
        (["-v", "{file}:/etc"], "sample:1", ["true"], 125, "cannot start the container's process: error during container init"),
    ])
    func exitCodes(_ options: [String], _ image: String, _ command: [String], _ code: Int32, _ message: String) throws {
        let fixture = try CLIFixture()
        let file = fixture.directory + "/file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let arguments = ["run", "--rm"] + options.map { $0.replacingOccurrences(of: "{file}", with: file) } + [image] + command
        let result = try fixture.lamina(arguments)
        #expect(result.code == code, "\(result)")
        if !message.isEmpty { #expect(result.error.contains(message), "\(result)") }
        Self.expectNoRuncLines(result.error)
        #expect(try fixture.lamina("ps", "-aq").check().output.isEmpty, "--rm left a container behind")
    }

    /// `-t` with no terminal anywhere is one translated line (runc's own would be
    /// `time=... level=error msg="...open /dev/tty..."`); under a terminal the container gets one.
    @Test func terminal() throws {
        let fixture = try CLIFixture()
        let refused = try fixture.shell("setsid $LAMINA run --rm -t sample:1 true </dev/null")
        #expect(refused.code == 125)
        #expect(refused.error.split(separator: "\n").count == 1, "\(refused)")
        #expect(refused.error.contains("-t needs a terminal"))
        Self.expectNoRuncLines(refused.error)
        let shown = try fixture.terminal("$LAMINA run --rm -t sample:1 sh -c \"tty; exit 3\"")
        #expect(shown.output.contains("/dev/pts/"), "\(shown)")
        #expect(shown.code == 3)
        try fixture.lamina("run", "-d", "--name", "box", "sample:1", "sleep", "600").check()
        let exec = try fixture.terminal("$LAMINA exec -t box sh -c \"tty; exit 6\"")
        #expect(exec.output.contains("/dev/pts/") && exec.code == 6, "\(exec)")
        let execRefused = try fixture.shell("setsid $LAMINA exec -t box true </dev/null")
        #expect(execRefused.code == 125 && execRefused.error.contains("-t needs a terminal"), "\(execRefused)")
    }

    @Test func hostnameReadOnlyAndEnvironmentFile() throws {
        let fixture = try CLIFixture()
        let envFile = fixture.directory + "/env"
        try Data("# settings\nA=1\n\n  B=two words\nFROM_HOST\nC=\"kept quotes\"\n".utf8).write(to: URL(fileURLWithPath: envFile))
        let result = try fixture.lamina(
            ["run", "--rm", "--hostname", "web.example", "--read-only", "--env-file", envFile, "-e", "A=override", "sample:1",
             "sh", "-c", "hostname; echo $A \"$B\" $FROM_HOST $C; touch /root/x 2>&1 || echo read-only; touch /tmp/x && echo tmp-writable"],
            environment: ["FROM_HOST": "host-value"])
        #expect(result.code == 0, "\(result)")
        #expect(result.output.split(separator: "\n").map(String.init) == [
            "web.example", "override two words host-value \"kept quotes\"", "touch: /root/x: Read-only file system", "read-only",
            "tmp-writable",
        ], "\(result)")
        let bad = try fixture.lamina("run", "--rm", "--hostname", "under_score", "sample:1", "true")
        #expect(bad.code == 125 && bad.error.contains("invalid hostname"), "\(bad)")
        try Data("NOT VALID=1\n".utf8).write(to: URL(fileURLWithPath: envFile))
        let badFile = try fixture.lamina("run", "--rm", "--env-file", envFile, "sample:1", "true")
        #expect(badFile.code == 125 && badFile.error.contains("line 1"), "\(badFile)")
    }

    /// PID 1 of a container does not reap orphans unless it is an init: an orphan that exits
    /// stays a zombie without `--init`, and is reaped with it.
    @Test(arguments: [false, true])
    func initReapsZombies(_ withInit: Bool) throws {
        let fixture = try CLIFixture()
        let name = withInit ? "with-init" : "without-init"
        try fixture.lamina(["run", "-d", "--name", name] + (withInit ? ["--init"] : []) + ["sample:1", "sh", "-c", "(sleep 0.1 &); exec sleep 60"])
            .check()
        var states = ""
        for _ in 0..<20 {
            usleep(250_000)
            states = try fixture.lamina("exec", name, "sh", "-c", "cat /proc/[0-9]*/stat").check().output
            if states.contains(") Z ") { break }
        }
        #expect(states.contains(") Z ") == !withInit, "\(states)")
        #expect(try fixture.lamina("inspect", "-f", "{{.HostConfig.Init}}", name).check().output == "\(withInit)\n")
    }

    /// `stop` waits the container's `--stop-timeout` (or `-t`) after SIGTERM, then kills.
    @Test func stopTimeouts() throws {
        let fixture = try CLIFixture()
        try fixture.lamina("run", "-d", "--name", "stubborn", "--stop-timeout", "1", "sample:1", "sh", "-c", "trap '' TERM; sleep 600 & wait")
            .check()
        let start = ContinuousClock.now
        try fixture.lamina("stop", "stubborn").check()
        #expect(ContinuousClock.now - start < .seconds(9), "--stop-timeout 1 waited as long as the default")
        #expect(try fixture.lamina("inspect", "-f", "{{.State.ExitCode}}", "stubborn").check().output == "137\n")
        try fixture.lamina("start", "stubborn").check()
        let again = ContinuousClock.now
        try fixture.lamina("stop", "-t", "0", "stubborn").check()
        #expect(ContinuousClock.now - again < .seconds(8))
        #expect(try fixture.lamina("inspect", "-f", "{{.State.Status}}", "stubborn").check().output == "exited\n")
    }

    /// Shell completion (bash, through the generated script) offers images and containers.
    @Test func completionOffersNames() throws {
        let fixture = try CLIFixture()
        try fixture.lamina("tag", "sample:1", "second:2").check()
        try fixture.lamina("run", "--name", "seagull", "sample:1", "true").check()
        try fixture.lamina("run", "--name", "sparrow", "sample:1", "true").check()
        func complete(_ line: String) throws -> [String] {
            let script = """
                source <("$LAMINA" --generate-completion-script bash)
                COMP_WORDS=("$LAMINA" \(line)); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
                _lamina; printf '%s\\n' "${COMPREPLY[@]}"
                """
            let result = try fixture.shell("bash -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))'").check()
            return result.output.split(separator: "\n").map(String.init).sorted()
        }
        #expect(try complete("run s") == ["sample:1", "second:2"])
        #expect(try complete("exec s") == ["seagull", "sparrow"])
        #expect(try complete("rm sp") == ["sparrow"])
        #expect(try complete("rmi se") == ["second:2"])
    }

    static func expectNoRuncLines(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains("level=") && !text.contains("time=\"") && !text.contains("\"level\""), "\(text)", sourceLocation: sourceLocation)
    }
}
