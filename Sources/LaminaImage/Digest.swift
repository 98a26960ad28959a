import Crypto
import Foundation

/// A content address: `sha256:` followed by 64 lowercase hex digits.
///
/// A validated type rather than a `String`, so a digest read from a manifest, an archive or a
/// registry can never name a path outside the store (`sha256:../../etc` does not parse).
/// Immutable value; safe to share between threads.
public struct Digest: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The hash algorithm; only sha256 is accepted.
    public let algorithm: String
    /// The lowercase hex encoding of the hash.
    public let encoded: String

    public init(parsing text: String) throws(ImageError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "sha256" else { throw .invalidDigest(text) }
        let hex = parts[1]
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) })
        else { throw .invalidDigest(text) }
        algorithm = "sha256"
        encoded = String(hex)
    }

    /// The digest of a finished SHA-256 hash.
    public init(_ hash: SHA256.Digest) {
        algorithm = "sha256"
        encoded = hash.map { String(format: "%02x", $0) }.joined()
    }

    /// The digest of a byte buffer held in memory.
    public static func of(_ data: Data) -> Digest { Digest(SHA256.hash(data: data)) }

    public var description: String { "\(algorithm):\(encoded)" }
    /// The first 12 hex digits, as image ids are shown.
    public var short: String { String(encoded.prefix(12)) }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try Digest(parsing: text)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
