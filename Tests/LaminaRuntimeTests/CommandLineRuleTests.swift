import Testing
@testable import LaminaRuntime

/// The small parsers behind the docker-compatible command line: signal names, env files, the
/// container log format, runc's messages.
@Suite struct CommandLineRuleTests {
    @Test(arguments: [
        ("TERM", Int32(15)), ("SIGTERM", 15), ("term", 15), ("sigkill", 9), ("9", 9), ("USR1", 10), ("IOT", 6),
        ("RTMIN", 34), ("RTMIN+3", 37), ("SIGRTMAX-2", 62), ("64", 64),
    ])
    func signalNames(_ text: String, _ number: Int32) throws {
        #expect(try SignalName.parse(text) == number)
    }

    @Test(arguments: ["FOO", "SIGFOO", "0", "65", "-1", "RTMIN+40", "RTMAX+1", "RTMIN-1", ""])
    func badSignalNames(_ text: String) {
        #expect(throws: RuntimeError.self) { try SignalName.parse(text) }
    }

    @Test func environmentFile() throws {
        let entries = try EnvironmentFile.parse("# comment\nA=1\n\n\t B=x y\r\nC\nD=\"q\"\nE=\n", name: "f")
        #expect(entries == ["A=1", "B=x y", "C", "D=\"q\"", "E="])
        #expect(throws: RuntimeError.self) { try EnvironmentFile.parse("BAD KEY=1\n", name: "f") }
        #expect(throws: RuntimeError.self) { try EnvironmentFile.parse("=value\n", name: "f") }
    }

    /// Records fed in arbitrary pieces come out whole; the tail counts lines, not records.
    @Test func logRecords() throws {
        let text = "T1 stdout F one\nT2 stderr P par\nT3 stderr F tial\nT4 stdout F \nT5 stdout P end\n"
        var reader = ContainerLog.Reader()
        var records: [ContainerLog.Record] = []
        for piece in stride(from: 0, to: text.utf8.count, by: 7) {
            records += reader.feed(Array(Array(text.utf8)[piece..<min(piece + 7, text.utf8.count)]))
        }
        #expect(records.map { String(decoding: $0.content, as: UTF8.self) } == ["one", "par", "tial", "", "end"])
        #expect(records.map(\.stream) == [.stdout, .stderr, .stderr, .stdout, .stdout])
        #expect(records.map(\.endsLine) == [true, false, true, true, false])
        #expect(ContainerLog.tail(records, lines: 1).map(\.timestamp) == ["T5"])
        #expect(ContainerLog.tail(records, lines: 2).map(\.timestamp) == ["T4", "T5"])
        #expect(ContainerLog.tail(records, lines: 3).map(\.timestamp) == ["T2", "T3", "T4", "T5"])
        #expect(ContainerLog.tail(records, lines: 0).isEmpty)
        #expect(ContainerLog.tail(records, lines: 99).count == 5)
    }

    @Test(arguments: [
        (#"time="2026-12-02T05:41:17Z" level=error msg="runc run failed: open /dev/tty: no such device""#, "runc run failed: open /dev/tty: no such device"),
        (#"time="x" level=error msg="unknown signal \"FOO\"""#, #"unknown signal "FOO""#),
        ("plain line", "plain line"),
    ])
    func runcTextLines(_ line: String, _ message: String) {
        #expect(RuncMessage.parse(line: line) == message)
    }

    @Test(arguments: [
        (#"runc run failed: unable to start container process: exec: "nope": executable file not found in $PATH"#, Int32(127)),
        (#"runc run failed: unable to start container process: exec: "/etc/motd": permission denied"#, 126),
        ("runc run failed: open /dev/tty: no such device or address", 125),
        ("runc run failed: unable to start container process: error during container init: error mounting", 125),
    ])
    func runcFailuresAsExitCodes(_ message: String, _ code: Int32) {
        let failure = RuncMessage(text: message).failure
        #expect(failure.exitCode == code)
        #expect(!failure.description.contains("runc run failed"))
    }
}
