import LaminaImage
import LaminaLayerIndex
import LaminaOverlay
import Logging

/// A lazy layer is the engine's content provider for its files.
extension LazyLayer: LayerContentProvider {}

extension ImageStore {
    /// An image's layers as the union engine mounts them, top-most first: an unpacked layer as its
    /// directory read through its layer index, a lazily pulled one as its index with this store's
    /// `LazyLayer` as the content provider (no directory).
    public func lowerLayers(for text: String, policy: RetryPolicy = .standard, logger: Logger) throws(ImageError) -> [LowerLayer] {
        let details = try details(try resolve(text))
        let lazy = try lazyLayers(for: text, policy: policy, logger: logger)
        var layers: [LowerLayer] = []
        for (position, diffID) in details.config.rootfs.diffIDs.enumerated() {
            if position < lazy.count, let layer = lazy[position] {
                layers.append(LowerLayer(directory: nil, index: layer.index, content: layer))
                continue
            }
            let index: LayerIndex
            do {
                index = try LayerIndex(path: try layerIndex(for: diffID))
            } catch let error as ImageError {
                throw error
            } catch {
                throw .malformed(what: "layer index of \(diffID)", reason: "\(error)")
            }
            layers.append(LowerLayer(directory: layerPath(diffID), index: index))
        }
        return layers.reversed()
    }
}
