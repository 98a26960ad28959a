/// Container names: the user's `--name`, checked, or a generated `adjective_noun` pair.
///
/// Stateless namespace.
enum ContainerName {
    private static let adjectives = [
        "amber", "brisk", "calm", "dapper", "eager", "fuzzy", "gentle", "hardy", "idle", "jolly", "keen", "lucid",
        "mellow", "nimble", "plucky", "quiet", "rapid", "sturdy", "tidy", "vivid", "witty", "zesty",
    ]
    private static let nouns = [
        "aspen", "basalt", "cedar", "delta", "ember", "fjord", "glacier", "heron", "island", "juniper", "kestrel",
        "lagoon", "meadow", "nebula", "orchid", "pebble", "quartz", "ridge", "sequoia", "tundra", "willow", "zephyr",
    ]

    static func generate() -> String {
        "\(adjectives.randomElement() ?? "calm")_\(nouns.randomElement() ?? "meadow")"
    }

    /// Letters, digits, `_`, `.`, `-`, starting with a letter or digit (Docker's rule); not 64 hex
    /// digits, which would read as an id.
    static func isValid(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first.isNumber, name.count <= 128 else { return false }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else { return false }
        return !(name.count == 64 && name.allSatisfy(\.isHexDigit))
    }

    /// RFC 1123 host names: labels of letters, digits and inner '-', 1-63 bytes, 253 in all.
    static func isValidHostname(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.first, let last = label.last, label.utf8.count <= 63, first != "-", last != "-" else { return false }
            return label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
