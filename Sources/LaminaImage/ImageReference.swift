/// A parsed image name: `[HOST[:PORT]/]PATH[:TAG][@DIGEST]`.
///
/// The store names images by `name:tag` (`description`); a pull also needs the registry host and
/// repository. Names on Docker Hub are kept in Docker's short form, as `docker images` shows them:
/// `docker.io/library/busybox`, `index.docker.io/library/busybox` and `busybox` are one reference
/// (host nil, repository `busybox`). Immutable value.
public struct ImageReference: Sendable, Equatable, CustomStringConvertible {
    /// The registry host (with port), or nil when the name had none.
    public var host: String?
    /// The repository path inside the registry.
    public var repository: String
    public var tag: String?
    public var digest: Digest?

    public init(parsing text: String) throws(ImageError) {
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            digest = try Digest(parsing: String(rest[rest.index(after: at)...]))
            rest = rest[..<at]
        }
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        let components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if components.count > 1, let first = components.first,
            first.contains(".") || first.contains(":") || first == "localhost"
        {
            host = first
            repository = components.dropFirst().joined(separator: "/")
        } else {
            repository = String(rest)
        }
        guard Self.isValid(repository: repository), tag.map(Self.isValid(tag:)) ?? true else {
            throw .invalidReference(text)
        }
        if let given = host, Self.dockerHubHosts.contains(given) { host = nil }
        if host == nil, repository.hasPrefix("library/"), repository.dropFirst(8).contains("/") == false {
            repository = String(repository.dropFirst(8))
        }
    }

    /// The names Docker Hub goes by in references; all of them mean "no host".
    static let dockerHubHosts: Set<String> = ["docker.io", "index.docker.io", "registry-1.docker.io"]

    /// The registry to pull from and push to (Docker Hub when the name has no host).
    public var registry: String { host ?? "docker.io" }

    /// The repository as the registry's API names it (`library/busybox` on Docker Hub).
    public var remoteRepository: String {
        host == nil && !repository.contains("/") ? "library/" + repository : repository
    }

    /// The tag or digest a registry's manifest URL ends with.
    public var remoteReference: String { digest?.description ?? tag ?? "latest" }

    /// `name:tag` as the store's index records it (`latest` when no tag was given).
    public var description: String {
        var text = (host.map { "\($0)/" } ?? "") + repository
        if digest == nil || tag != nil { text += ":\(tag ?? "latest")" }
        if let digest { text += "@\(digest)" }
        return text
    }

    static func isValid(repository: String) -> Bool {
        guard !repository.isEmpty else { return false }
        return repository.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { component in
            guard let first = component.first, let last = component.last, first.isLetterOrDigit, last.isLetterOrDigit
            else { return false }
            return component.allSatisfy { ($0.isLowercase || $0.isNumber || "._-".contains($0)) && $0.isASCII }
        }
    }

    static func isValid(tag: String) -> Bool {
        guard !tag.isEmpty, tag.count <= 128, let first = tag.first, first != ".", first != "-" else { return false }
        return tag.allSatisfy { ($0.isLetter || $0.isNumber || "._-".contains($0)) && $0.isASCII }
    }
}

extension Character {
    fileprivate var isLetterOrDigit: Bool { isASCII && (isLowercase || isNumber) }
}
