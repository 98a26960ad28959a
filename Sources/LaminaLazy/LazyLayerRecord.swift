import Foundation
import LaminaImage

/// What the store keeps about one lazily pulled layer (`record.json`): the layer's descriptor (its
/// digest, size and the annotations that locate and vouch for its TOC), its diff id from the image
/// config, the format, where to fetch it, and the files its format marks as needed first.
///
/// Immutable value, written once when the layer is pulled.
public struct LazyLayerRecord: Codable, Sendable, Equatable {
    public var descriptor: Descriptor
    public var diffID: Digest
    /// "zstd:chunked" or "estargz".
    public var format: String
    /// Registry host (as in the image reference), repository, and whether it is plain http.
    public var host: String
    public var repository: String
    public var insecure: Bool
    /// File ids (of the layer index) to fetch before the rest, in order.
    public var prioritized: [UInt32]

    public init(
        descriptor: Descriptor, diffID: Digest, format: String, host: String, repository: String, insecure: Bool,
        prioritized: [UInt32]
    ) {
        self.descriptor = descriptor
        self.diffID = diffID
        self.format = format
        self.host = host
        self.repository = repository
        self.insecure = insecure
        self.prioritized = prioritized
    }
}
