import Foundation
import LaminaImage
import Logging

extension ImageStore {
    /// One layer of an image and, when it was pulled lazily, how much of it is local.
    public struct LayerProgress: Sendable {
        public var descriptor: Descriptor
        public var state: LazyLayerState
        /// Bytes of the blob in the store (the whole size for a layer pulled whole).
        public var localBytes: UInt64
    }

    /// Every layer of an image (bottom first) with its lazy state and local bytes.
    public func layerProgress(for text: String) throws(ImageError) -> [LayerProgress] {
        layerProgress(of: try details(try resolve(text)).manifest.layers)
    }

    /// `layers` with their lazy state and local bytes.
    public func layerProgress(of layers: [Descriptor]) -> [LayerProgress] {
        layers.map { layer in
            let state = lazyLayerState(layer.digest)
            var local = UInt64(max(0, layer.size))
            if state == .incomplete {
                let ranges = FetchedRanges(logPath: lazyLayerPath(layer.digest) + "/ranges")
                try? ranges.refresh()
                local = ranges.total
            }
            return LayerProgress(descriptor: layer, state: state, localBytes: local)
        }
    }

    /// Opens the lazily pulled layers of an image (bottom first; nil for layers pulled whole).
    public func lazyLayers(for text: String, policy: RetryPolicy = .standard, logger: Logger) throws(ImageError) -> [LazyLayer?] {
        let details = try details(try resolve(text))
        var result: [LazyLayer?] = []
        for layer in details.manifest.layers {
            guard lazyLayerState(layer.digest) != .notLazy else {
                result.append(nil)
                continue
            }
            do {
                result.append(try LazyLayer(directory: lazyLayerPath(layer.digest), policy: policy, logger: logger))
            } catch {
                throw .malformed(what: "lazy layer \(layer.digest)", reason: error.description)
            }
        }
        return result
    }

    /// Fetches every lazily pulled layer of an image whole and verifies it (`lamina image fetch`).
    public func completeLazyLayers(for text: String, policy: RetryPolicy = .standard, logger: Logger) throws(ImageError) -> [LazyLayerState] {
        var states: [LazyLayerState] = []
        for layer in try lazyLayers(for: text, policy: policy, logger: logger) {
            guard let layer else { continue }
            do {
                states.append(try layer.prefetch(store: self))
            } catch {
                throw .registry("lazy layer \(layer.record.descriptor.digest.short): \(error)")
            }
        }
        return states
    }
}
