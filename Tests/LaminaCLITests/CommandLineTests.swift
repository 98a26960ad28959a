import Foundation
import Testing

/// The command line itself: what docker users type first, every flag documented, and the README's
/// command table complete. Runs the binary only (no containers).
@Suite(.enabled(if: CLIFixture.enabled(CLIFixture.binarySkipReason, "CommandLineTests")))
struct CommandLineTests {
    @Test func versionFlag() throws {
        let fixture = try CLIFixture(sample: false)
        let result = try fixture.lamina("--version").check()
        #expect(result.output.hasPrefix("lamina version "))
    }

    @Test(arguments: [
        (["frobnicate", "x"], "'frobnicate' is not a lamina command"),
        (["image", "frob"], "'frob' is not a lamina image command"),
    ])
    func unknownCommandNamesItself(_ arguments: [String], _ message: String) throws {
        let fixture = try CLIFixture(sample: false)
        let result = try fixture.lamina(arguments)
        #expect(result.code == 125)
        #expect(result.error.contains(message), "\(result)")
        #expect(!result.error.contains("unexpected argument"))
    }

    /// A usage error is lamina's own failure: 125, as docker's, for every command.
    @Test(arguments: [["run", "--bogus", "sample:1"], ["ps", "--bogus"], ["image", "ls", "--bogus"], ["exec"], ["logs", "--tail", "x", "c"]])
    func usageErrorsExit125(_ arguments: [String]) throws {
        let fixture = try CLIFixture(sample: false)
        let result = try fixture.lamina(arguments)
        #expect(result.code == 125, "\(result)")
        #expect(result.error.contains("Usage") || result.error.contains("Error"), "\(result)")
    }

    /// Every command (nested ones too) documents each of its flags, options and arguments in
    /// `--help`.
    @Test func everyFlagIsDocumented() throws {
        let fixture = try CLIFixture(sample: false)
        var pending = [[String]()]
        var visited = 0
        while let path = pending.popLast() {
            let help = try fixture.lamina(path + ["--help"]).check().output
            visited += 1
            pending += Self.subcommands(in: help).map { path + [$0] }
            for undocumented in Self.undocumentedEntries(in: help) {
                Issue.record("lamina \(path.joined(separator: " ")) --help: \(undocumented) has no description")
            }
        }
        #expect(visited > 30)
    }

    /// The README's command table lists every top-level verb with its docker equivalent.
    @Test func readmeListsEveryVerb() throws {
        let fixture = try CLIFixture(sample: false)
        let readme = try String(contentsOfFile: Self.repository + "/README.md", encoding: .utf8)
        var table: [String: String] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| `lamina ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, let verb = cells[0].dropFirst("`lamina ".count).split(separator: " ").first else { continue }
            table[String(verb).trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[1]
        }
        let verbs = Self.subcommands(in: try fixture.lamina("--help").check().output)
        #expect(verbs.count > 20)
        for verb in verbs {
            guard let docker = table[verb] else {
                Issue.record("README's command table lacks lamina \(verb)")
                continue
            }
            #expect(docker.contains("docker") || docker.contains("podman") || docker.contains("—"), "lamina \(verb): \(docker)")
        }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The names listed under SUBCOMMANDS (without `help` and the default marker).
    static func subcommands(in help: String) -> [String] {
        section("SUBCOMMANDS", of: help).compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { return nil }
            let command = name.hasSuffix(",") ? String(name.dropLast()) : String(name)
            return command == "help" ? nil : command
        }
    }

    /// Entries of ARGUMENTS and OPTIONS whose description is missing.
    static func undocumentedEntries(in help: String) -> [String] {
        var missing: [String] = []
        let headings = help.split(separator: "\n").filter { !$0.hasPrefix(" ") && $0.hasSuffix(":") }.map { String($0.dropLast()) }
        for name in headings where !["OVERVIEW", "USAGE", "SUBCOMMANDS", "DISCUSSION"].contains(name) {
            let lines = section(name, of: help)
            // ArgumentParser writes an entry's description from column 26, on the entry's line or,
            // when the entry is longer, on the next.
            let column = 26
            for (index, line) in lines.enumerated() where line.hasPrefix("  ") && !line.hasPrefix("   ") {
                let sameLine = line.count > column && !line.dropFirst(column).trimmingCharacters(in: .whitespaces).isEmpty
                    && line.dropFirst(column - 1).first == " "
                let next = index + 1 < lines.count ? lines[index + 1] : ""
                let nextLine = next.prefix(column).allSatisfy { $0 == " " } && next.count > column
                if !sameLine && !nextLine { missing.append(line.trimmingCharacters(in: .whitespaces)) }
            }
        }
        return missing
    }

    /// The lines of a help section (`OPTIONS:` up to the next blank line).
    static func section(_ title: String, of help: String) -> [String] {
        var lines: [String] = []
        var inside = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line == title + ":" {
                inside = true
            } else if inside && line.isEmpty {
                break
            } else if inside {
                lines.append(line)
            }
        }
        return lines
    }
}
