import LaminaLayerIndex
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ImageStore {
    /// The path of the layer index of the unpacked layer `diffID`, written now if the store does
    /// not have it yet (layers unpacked before the store kept indexes). Concurrent callers may
    /// each write it: the copies are identical and each is renamed into place whole.
    public func layerIndex(for diffID: Digest) throws(ImageError) -> String {
        let path = layerIndexPath(diffID)
        if exists(path) { return path }
        let tree = layerPath(diffID)
        guard exists(tree) else { throw .layerNotFound("\(diffID) (unpacked tree)") }
        logger.debug("indexing layer \(diffID.short)")
        try Self.writeIndex(of: tree, to: path)
        return path
    }

    /// The layer indexes of an image's layers, top-most first (the order of `layerDirectories(for:)`).
    public func layerIndexes(for text: String) throws(ImageError) -> [String] {
        let details = try details(try resolve(text))
        var indexes: [String] = []
        for diffID in details.config.rootfs.diffIDs.reversed() { indexes.append(try layerIndex(for: diffID)) }
        return indexes
    }

    /// Walks the unpacked tree at `tree` and writes its index to `path`.
    static func writeIndex(of tree: String, to path: String) throws(ImageError) {
        do {
            try LayerIndexBuilder.walking(tree).write(to: path)
        } catch {
            throw .malformed(what: "layer index of \(tree)", reason: error.description)
        }
    }
}
