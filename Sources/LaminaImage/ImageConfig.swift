import Foundation

/// An image's configuration: platform, run settings, the diff ids of its layers, and history.
///
/// https://github.com/opencontainers/image-spec/blob/main/config.md
/// Fields the store does not read are kept as raw JSON in `config`, so a config we rewrite (compose)
/// keeps what the original said. Immutable value.
public struct ImageConfig: Codable, Sendable, Equatable {
    public var created: String?
    public var author: String?
    public var architecture: String
    public var os: String
    public var variant: String?
    public var config: JSONValue?
    public var rootfs: RootFS
    public var history: [History]?

    /// The uncompressed digests of the layers, bottom first.
    public struct RootFS: Codable, Sendable, Equatable {
        public var type: String
        public var diffIDs: [Digest]

        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }

        public init(diffIDs: [Digest]) {
            type = "layers"
            self.diffIDs = diffIDs
        }
    }

    /// One step that built the image; `emptyLayer` steps made no layer.
    public struct History: Codable, Sendable, Equatable {
        public var created: String?
        public var createdBy: String?
        public var author: String?
        public var comment: String?
        public var emptyLayer: Bool?

        enum CodingKeys: String, CodingKey {
            case created, author, comment
            case createdBy = "created_by"
            case emptyLayer = "empty_layer"
        }

        public init(created: String?, createdBy: String?, comment: String? = nil, emptyLayer: Bool? = nil) {
            self.created = created
            self.createdBy = createdBy
            self.comment = comment
            self.emptyLayer = emptyLayer
        }
    }

    public init(platform: Platform, config: JSONValue?, diffIDs: [Digest], history: [History], created: String) {
        self.created = created
        architecture = platform.architecture
        os = platform.os
        variant = platform.variant
        self.config = config
        rootfs = RootFS(diffIDs: diffIDs)
        self.history = history
    }

    public var platform: Platform { Platform(os: os, architecture: architecture, variant: variant) }
}
