/// A list of manifests: an OCI image index, a Docker manifest list, or an OCI layout's `index.json`.
///
/// https://github.com/opencontainers/image-spec/blob/main/image-index.md
/// Immutable value.
public struct ImageIndex: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var manifests: [Descriptor]
    public var annotations: [String: String]?

    public init(manifests: [Descriptor]) {
        schemaVersion = 2
        mediaType = MediaType.ociIndex
        self.manifests = manifests
    }

    /// The entry for `platform`, preferring an exact variant match.
    public func manifest(for platform: Platform) throws(ImageError) -> Descriptor {
        let candidates = manifests.filter { descriptor in
            guard MediaType.manifests.contains(descriptor.mediaType) else { return false }
            guard let entry = descriptor.platform else { return false }
            return platform.matches(entry)
        }
        if let exact = candidates.first(where: { $0.platform?.variant == platform.variant }) { return exact }
        if let first = candidates.first { return first }
        throw .noMatchingPlatform(platform.description)
    }
}
