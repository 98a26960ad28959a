/// A pointer to a blob: its media type, digest and size.
///
/// https://github.com/opencontainers/image-spec/blob/main/descriptor.md
/// Immutable value.
public struct Descriptor: Codable, Sendable, Equatable, Hashable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var annotations: [String: String]?
    public var platform: Platform?
    public var urls: [String]?

    public init(
        mediaType: String, digest: Digest, size: Int64,
        annotations: [String: String]? = nil, platform: Platform? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.platform = platform
    }

    /// The annotation OCI layouts use to name an image (`NAME:TAG`).
    public static let refNameAnnotation = "org.opencontainers.image.ref.name"

    public var refName: String? { annotations?[Self.refNameAnnotation] }

    /// The annotation of an eStargz layer: the digest of its table of contents.
    /// https://github.com/containerd/stargz-snapshotter/blob/main/docs/estargz.md
    public static let estargzTOCDigestAnnotation = "containerd.io/snapshot/stargz/toc.digest"
    /// An eStargz layer's own members at its root (its TOC and prefetch landmarks): not part of its
    /// tree, in a full pull as in a lazy one.
    public static let estargzFormatEntries: Set<String> = ["stargz.index.json", ".prefetch.landmark", ".no.prefetch.landmark"]
}
