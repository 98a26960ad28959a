/// A layer of an image being pulled, with the client that can fetch it: what a lazy pull needs to
/// store the layer's table of contents instead of its blob.
///
/// Immutable value; the client is `Sendable`.
package struct RemoteLayer: Sendable {
    package var client: RegistryClient
    package var repository: String
    package var insecure: Bool
    package var descriptor: Descriptor
    package var diffID: Digest
}

/// Called for each layer of a pull: true when it stored the layer lazily (so it is not downloaded).
package typealias LazyLayerHook = @Sendable (RemoteLayer) async throws(ImageError) -> Bool
