/// One image the store's index names: its name (if any) and its manifest's descriptor.
///
/// Immutable value.
public struct ImageRecord: Sendable, Equatable {
    /// `name:tag`, or nil for an image known only by digest.
    public var name: String?
    public var manifest: Descriptor
}

/// An image read in full: manifest, config, and where its layers are.
///
/// Immutable value.
public struct ImageDetails: Sendable {
    public var record: ImageRecord
    public var manifest: ImageManifest
    public var config: ImageConfig
    /// Every name in the index that points at the same manifest.
    public var names: [String]

    /// The image id: the digest of its config, as Docker and podman show it.
    public var id: Digest { manifest.config.digest }
    /// The sum of the layer blobs' sizes.
    public var size: Int64 { manifest.layers.reduce(0) { $0 + $1.size } }
}
