/// The OS and CPU an image runs on, as image indexes list them.
///
/// https://github.com/opencontainers/image-spec/blob/main/image-index.md
/// Immutable value.
public struct Platform: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public var architecture: String
    public var os: String
    public var variant: String?
    public var osVersion: String?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant
        case osVersion = "os.version"
    }

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// Parses `os/arch[/variant]`.
    public init(parsing text: String) throws(ImageError) {
        let parts = text.split(separator: "/").map(String.init)
        guard parts.count == 2 || parts.count == 3 else {
            throw .malformed(what: "platform '\(text)'", reason: "expected os/arch[/variant]")
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// The platform of the running host, in Go's names (amd64, arm64).
    public static var host: Platform {
        #if arch(x86_64)
        Platform(os: "linux", architecture: "amd64")
        #elseif arch(arm64)
        Platform(os: "linux", architecture: "arm64", variant: "v8")
        #else
        Platform(os: "linux", architecture: "unknown")
        #endif
    }

    /// Whether an index entry for `other` serves a request for this platform
    /// (a missing variant on either side matches any).
    public func matches(_ other: Platform) -> Bool {
        guard os == other.os, architecture == other.architecture else { return false }
        guard let variant, let otherVariant = other.variant else { return true }
        return variant == otherVariant
    }

    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }
}
