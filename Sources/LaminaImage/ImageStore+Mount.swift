extension ImageStore {
    /// The unpacked layer directories of an image, top-most first (as `lowerdir=` and
    /// `lamina mount --lower` list them), ready to be the lower layers of a mount.
    public func layerDirectories(for text: String) throws(ImageError) -> [String] {
        try layerDirectories(of: details(try resolve(text)), named: text)
    }

    /// The layer directories of an image read already, each checked to be there: the unpacked
    /// tree, or for a lazily pulled layer its directory in `STORE/lazy` (which holds its index and
    /// the bytes fetched so far, not a tree: only Lamina's own mount reads it, through
    /// `lowerLayers(for:)`).
    func layerDirectories(of details: ImageDetails, named text: String) throws(ImageError) -> [String] {
        var directories: [String] = []
        for (position, diffID) in details.config.rootfs.diffIDs.enumerated().reversed() {
            let path = layerPath(diffID)
            if exists(path) {
                directories.append(path)
            } else if position < details.manifest.layers.count, lazyLayerState(details.manifest.layers[position].digest) != .notLazy {
                directories.append(lazyLayerPath(details.manifest.layers[position].digest))
            } else {
                throw .layerNotFound("\(diffID) (unpacked tree of \(text))")
            }
        }
        return directories
    }

    /// True when some layer of the image is lazily pulled and not unpacked (only Lamina's own
    /// mount can read it: kernel overlayfs and fuse-overlayfs need trees).
    public func hasLazyLayers(_ text: String) throws(ImageError) -> Bool {
        let details = try details(try resolve(text))
        return zip(details.config.rootfs.diffIDs, details.manifest.layers).contains { diffID, layer in
            !exists(layerPath(diffID)) && lazyLayerState(layer.digest) != .notLazy
        }
    }
}
