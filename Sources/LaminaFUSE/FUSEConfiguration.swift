import LaminaSystem

/// What /etc/fuse.conf lets a plain user ask of fusermount3: `user_allow_other` (a line of its
/// own) permits `allow_other`. Root is not bound by the file.
///
/// Read on demand; a plain value.
public struct FUSEConfiguration: Sendable, Equatable {
    public var userAllowOther = false

    public init(userAllowOther: Bool = false) {
        self.userAllowOther = userAllowOther
    }

    public static let path = "/etc/fuse.conf"

    /// The file's settings; a missing or unreadable file allows nothing.
    public static func read(path: String = path) -> FUSEConfiguration {
        guard let bytes = try? MountCalls.readFile(path) else { return FUSEConfiguration() }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// fusermount3 reads each line with surrounding blanks removed (a `#` line is a comment).
    public static func parse(_ text: String) -> FUSEConfiguration {
        var configuration = FUSEConfiguration()
        let blanks: Set<Character> = [" ", "\t", "\r"]
        for line in text.split(separator: "\n") {
            let content = line.drop { blanks.contains($0) }.reversed().drop { blanks.contains($0) }.reversed()
            if String(content) == "user_allow_other" { configuration.userAllowOther = true }
        }
        return configuration
    }
}
