import Foundation

/// A user name and password for a registry (`--creds USER:PASSWORD`).
///
/// Immutable value.
public struct RegistryCredentials: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Parses `USER:PASSWORD`.
    public init(parsing text: String) throws(ImageError) {
        guard let colon = text.firstIndex(of: ":") else {
            throw .malformed(what: "credentials", reason: "expected USER:PASSWORD")
        }
        self.init(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }

    /// The value of an `Authorization: Basic` header.
    var basicHeader: String { "Basic " + Data("\(username):\(password)".utf8).base64EncodedString() }
}
