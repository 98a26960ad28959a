/// The media types the store reads and writes, OCI and Docker.
///
/// https://github.com/opencontainers/image-spec/blob/main/media-types.md
/// Namespace of constants; no state.
public enum MediaType {
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let ociLayerNondistributable = "application/vnd.oci.image.layer.nondistributable.v1.tar"
    public static let ociLayerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"

    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    public static let dockerLayerForeign = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    public static let dockerLayerZstd = "application/vnd.docker.image.rootfs.diff.tar.zstd"

    /// Types naming a list of platform-specific manifests.
    public static let indexes: Set<String> = [ociIndex, dockerManifestList]
    /// Types naming one image's manifest.
    public static let manifests: Set<String> = [ociManifest, dockerManifest]
    /// Types naming a layer tar, in any supported compression.
    public static let layers: Set<String> = [
        ociLayer, ociLayerGzip, ociLayerZstd, ociLayerNondistributable, ociLayerNondistributableGzip,
        dockerLayerGzip, dockerLayerForeign, dockerLayerZstd,
    ]

    /// The OCI layer type for a Docker (or OCI) layer type, as stored.
    public static func ociLayerType(for type: String) -> String? {
        switch type {
        case ociLayer, ociLayerGzip, ociLayerZstd, ociLayerNondistributable, ociLayerNondistributableGzip: type
        case dockerLayerGzip, dockerLayerForeign: ociLayerGzip
        case dockerLayerZstd: ociLayerZstd
        default: nil
        }
    }
}
