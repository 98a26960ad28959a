/// One image's manifest: its config blob and its layers, bottom first.
///
/// https://github.com/opencontainers/image-spec/blob/main/manifest.md
/// Docker schema 2 manifests decode into the same shape. Immutable value.
public struct ImageManifest: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
    public var annotations: [String: String]?

    public init(config: Descriptor, layers: [Descriptor], annotations: [String: String]? = nil) {
        schemaVersion = 2
        mediaType = MediaType.ociManifest
        self.config = config
        self.layers = layers
        self.annotations = annotations
    }
}
