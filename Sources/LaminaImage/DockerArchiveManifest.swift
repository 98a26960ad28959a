/// One entry of a docker-archive's `manifest.json` (`docker save`, `podman save`).
///
/// https://github.com/moby/moby/blob/master/image/spec/v1.2.md (the "combined image JSON + filesystem changeset" format).
/// Immutable value.
struct DockerArchiveManifest: Codable, Sendable {
    var config: String
    var repoTags: [String]?
    var layers: [String]

    enum CodingKeys: String, CodingKey {
        case config = "Config"
        case repoTags = "RepoTags"
        case layers = "Layers"
    }
}
