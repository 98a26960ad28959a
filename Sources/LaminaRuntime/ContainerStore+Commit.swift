import LaminaImage
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ContainerStore {
    /// `lamina commit`: the container's upper directory becomes one new layer on top of its
    /// image's layers, stored as image `name` with a history entry. Returns the new image.
    ///
    /// A renamed lower directory is copied whole from the merged view; when the container is not
    /// mounted any more, its view is mounted for the commit and unmounted after.
    @discardableResult
    public func commit(_ text: String, as name: String, message: String? = nil, author: String? = nil) throws(RuntimeError) -> ImageRecord {
        let record = try find(text)
        let view = MergedView(store: self, record: record)
        defer { view.close() }
        var history = ImageConfig.History(
            created: Self.now(), createdBy: "lamina commit \(record.name): " + record.command.joined(separator: " "),
            comment: message)
        history.author = author
        var failure: RuntimeError?
        let image: ImageRecord
        do throws(ImageError) {
            image = try images.commitLayer(onto: record.imageID, name: name, history: history) { (archive) throws(ImageError) in
                do throws(RuntimeError) {
                    try self.writeLayer(of: record, into: LayerWriter(archive: archive), mergedRoot: view.root)
                } catch {
                    failure = error
                    throw .malformed(what: "container \(record.name)", reason: "\(error)")
                }
            }
        } catch {
            if let failure { throw failure }
            throw .image(error)
        }
        return image
    }

    private func writeLayer(
        of record: ContainerRecord, into writer: LayerWriter, mergedRoot: () throws(RuntimeError) -> String
    ) throws(RuntimeError) {
        let lower = try lowerView(of: record)
        let walk = UpperLayerWalk(root: upperDirectory(record.id), mountTargets: record.mountTargets ?? [], lower: lower)
        try walk.walk { (change) throws(RuntimeError) -> Bool in
            switch change {
            case .whiteout(let path):
                try writer.whiteout(path)
                return false
            case .entry(let entry):
                try writer.entry(
                    entry.status, path: entry.path, parent: entry.parent, name: entry.name,
                    extendedAttributes: entry.extendedAttributes, source: "upper")
                guard entry.status.st_mode & S_IFMT == S_IFDIR else { return false }
                // An opaque marker only matters where the image has something to hide.
                let hides = entry.opaque ? try lower.exists(entry.path) : false
                if hides || entry.redirect != nil { try writer.opaqueMarker(in: entry.path) }
                guard entry.redirect != nil else { return true }
                let merged = try Self.openDirectory(entry.path, under: try mergedRoot())
                defer { merged.close() }
                try writer.copyTree(merged, prefix: entry.path)
                return false
            }
        }
    }

    /// The directory `path` of the merged view mounted at `root`, opened one name at a time
    /// without following a symbolic link (no path is too long, and none leads out of the view).
    private static func openDirectory(_ path: [FileName], under root: String) throws(RuntimeError) -> FileDescriptor {
        try RuntimeError.system { () throws(SystemError) in
            var current = try FileDescriptor.open(root, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            for name in path {
                let parent = current
                defer { parent.close() }
                current = try parent.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            }
            return current
        }
    }
}
