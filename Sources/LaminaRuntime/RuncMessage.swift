import Foundation
import LaminaSystem

/// What runc says when it fails, read from where it says it and turned into one line a user can
/// act on. runc never talks to the user directly: its raw log lines (`time="…" level=error
/// msg="…"`) are parsed here.
///
/// runc runs with `--log FILE --log-format json`, so its log goes to FILE; a fatal error is also
/// printed as one plain line on runc's standard error (which is the container's). The relay
/// drops exactly that line when the log holds the same message (`isLogged`). Immutable value.
struct RuncMessage: Sendable, Equatable {
    var text: String

    /// The messages of the error entries of a JSON log written by `runc --log-format json`.
    static func errors(inLog path: String) -> [String] {
        guard let bytes = try? MountCalls.readFile(path) else { return [] }
        struct Entry: Decodable {
            var level: String?
            var msg: String?
        }
        return bytes.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard let entry = try? JSONDecoder().decode(Entry.self, from: Data(line)),
                  entry.level == "error" || entry.level == "fatal" else { return nil }
            return entry.msg
        }
    }

    /// The message of a line runc printed in logrus's text format (`time=… level=error msg="…"`),
    /// or the line itself when it is plain.
    static func parse(line: String) -> String {
        guard let start = line.range(of: " msg=") else { return line }
        var rest = line[start.upperBound...]
        guard rest.first == "\"" else { return String(rest.prefix { $0 != " " }) }
        rest = rest.dropFirst()
        var message = ""
        var escaped = false
        for character in rest {
            if escaped {
                message.append(character == "n" ? "\n" : character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                break
            } else {
                message.append(character)
            }
        }
        return message
    }

    /// The failure as the user sees it: one line, and the exit status docker gives it (127: the
    /// command does not exist, 126: it cannot be run, 125: anything else of lamina's or runc's).
    var failure: RuntimeError {
        var detail = text
        for prefix in ["runc run failed: ", "runc exec failed: ", "exec failed: ", "unable to start container process: "]
        where detail.hasPrefix(prefix) {
            detail = String(detail.dropFirst(prefix.count))
        }
        if detail.contains("/dev/tty") || detail.contains("not a tty") || detail.contains("not a console") {
            return .terminalRequired
        }
        if detail.hasPrefix("exec: ") || detail.hasPrefix("exec ") {
            let reason = detail.dropFirst(5).trimmingCharacters(in: .whitespaces)
            if reason.contains("executable file not found") || reason.contains("no such file or directory") {
                return .startFailed("command not found: \(reason)", exitCode: 127)
            }
            if reason.contains("permission denied") || reason.contains("exec format error") || reason.contains("is a directory") {
                return .startFailed("the command cannot be run: \(reason)", exitCode: 126)
            }
        }
        return .startFailed("cannot start the container's process: \(detail)", exitCode: 125)
    }
}
