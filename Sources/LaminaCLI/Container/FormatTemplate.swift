import Foundation
import LaminaImage

/// `--format` for `inspect`, the part of Go's templates docker users type: `{{.State.Pid}}`,
/// `{{.Config.Env}}`, `{{json .Mounts}}`, `{{.}}`, around plain text. A string prints as is,
/// numbers and booleans as text, arrays and objects as JSON; a missing field is `<no value>`,
/// as Go prints it.
///
/// Immutable value, parsed once per command.
struct FormatTemplate {
    private enum Piece {
        case text(String)
        case field(path: [String], json: Bool)
    }

    private let pieces: [Piece]

    init(_ text: String) throws {
        var pieces: [Piece] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            pieces.append(.text(String(rest[..<open.lowerBound])))
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw ValidationErrorLine("unterminated {{ in --format '\(text)'")
            }
            var action = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let json = action.hasPrefix("json ")
            if json { action = action.dropFirst(5).trimmingCharacters(in: .whitespaces) }
            guard action.hasPrefix(".") else { throw ValidationErrorLine("--format supports {{.Field.Path}} and {{json .Field}}, not '\(action)'") }
            pieces.append(.field(path: action.dropFirst().split(separator: ".").map(String.init), json: json))
            rest = rest[close.upperBound...]
        }
        pieces.append(.text(String(rest)))
        self.pieces = pieces
    }

    /// The template filled in from `value`.
    func render(_ value: JSONValue) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text): return text
            case .field(let path, let json):
                var current: JSONValue? = value
                for key in path {
                    guard case .object(let fields)? = current else { current = nil; break }
                    current = fields[key]
                }
                guard let current else { return "<no value>" }
                return json ? Self.json(current) : Self.plain(current)
            }
        }.joined()
    }

    private static func plain(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .bool(let flag): String(flag)
        case .null: "<nil>"
        case .array, .object: json(value)
        }
    }

    private static func json(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}

/// A bad `--format`, reported as one line.
struct ValidationErrorLine: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
