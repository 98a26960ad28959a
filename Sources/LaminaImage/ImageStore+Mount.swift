extension ImageStore {
    /// The unpacked layer directories of an image, top-most first (as `lowerdir=` and
    /// `lamina mount --lower` list them), ready to be the lower layers of a mount.
    public func layerDirectories(for text: String) throws(ImageError) -> [String] {
        try layerDirectories(of: details(try resolve(text)), named: text)
    }

    /// The unpacked layer directories of an image read already, each checked to be there.
    func layerDirectories(of details: ImageDetails, named text: String) throws(ImageError) -> [String] {
        var directories: [String] = []
        for diffID in details.config.rootfs.diffIDs.reversed() {
            let path = layerPath(diffID)
            guard exists(path) else { throw .layerNotFound("\(diffID) (unpacked tree of \(text))") }
            directories.append(path)
        }
        return directories
    }
}
