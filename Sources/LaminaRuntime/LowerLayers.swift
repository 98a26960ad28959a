import LaminaLazy
import LaminaOverlay
import LaminaSystem
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The image's layers seen together, read-only, to tell an added path from a changed one and to
/// list what an opaque directory hides.
///
/// It is the union engine itself: a read-only `Overlay` over the image's lower directories, asked
/// one name at a time from its root, so `lamina diff` and `lamina commit` see exactly what the
/// container's mount shows (every whiteout and opaque format, redirects), and nothing follows a
/// symbolic link: a symlink in a layer is a leaf, never a way into the host.
///
/// Not thread-safe: owned by one diff or commit.
final class LowerLayers {
    private let overlay: Overlay
    /// Nodes of the directories asked about so far, by path (nil: not a directory of the image).
    private var directories: [[FileName]: NodeID?] = [[]: Overlay.rootNode]

    /// `directories`: layer roots, top-most first.
    convenience init(directories: [String]) throws(RuntimeError) {
        try self.init(layers: directories.map { .directory($0) })
    }

    /// `layers`: as the engine reads them (the store's layers through their indexes), top-most first.
    init(layers: [LowerLayer]) throws(RuntimeError) {
        let configuration = OverlayConfiguration(lowerLayers: layers, descriptorCeiling: 256)
        let logger = Logger(label: "lamina.lower", factory: { _ in SwiftLogNoOpLogHandler() })
        overlay = try RuntimeError.engine("open the image's layers") { try Overlay(configuration: configuration, logger: logger) }
    }

    /// True when `path` exists in the image.
    func exists(_ path: [FileName]) throws(RuntimeError) -> Bool {
        guard let name = path.last else { return true }
        guard let parent = try directory(Array(path.dropLast())) else { return false }
        return try lookup(name, in: parent) != nil
    }

    /// The names directory `path` holds in the image (none when it is not a directory there).
    func names(in path: [FileName]) throws(RuntimeError) -> Set<FileName> {
        guard let node = try directory(path) else { return [] }
        return try RuntimeError.engine("list the image's layers") {
            let opened = try overlay.openDirectory(node)
            defer { overlay.releaseDirectory(opened.handle) }
            var names: Set<FileName> = []
            var offset: UInt64 = 0
            while true {
                let entries = try overlay.directoryEntries(opened.handle, from: offset)
                guard let last = entries.last else { break }
                for entry in entries where !entry.name.isDotOrDotDot { names.insert(entry.name) }
                offset = last.offset
            }
            return names
        }
    }

    /// The node of directory `path`, nil when the image has no directory there.
    private func directory(_ path: [FileName]) throws(RuntimeError) -> NodeID? {
        if let known = directories[path] { return known }
        var node: NodeID?
        if let name = path.last, let parent = try directory(Array(path.dropLast())),
           let entry = try lookup(name, in: parent), entry.attributes.st_mode & S_IFMT == S_IFDIR {
            node = entry.node
        }
        directories[path] = node
        return node
    }

    /// `name` in the directory `parent`; nil when it is not there.
    private func lookup(_ name: FileName, in parent: NodeID) throws(RuntimeError) -> Entry? {
        try RuntimeError.engine("look up \(name) in the image's layers") {
            do {
                return try overlay.lookup(parent: parent, name: name)
            } catch let error as SystemError where error.errno == ENOENT || error.errno == ENOTDIR {
                return nil
            }
        }
    }
}

extension ContainerStore {
    /// The image's layers under a container, as its mount reads them (through their indexes, lazily
    /// pulled ones through the store); the recorded directories if the store cannot give them.
    func lowerView(of record: ContainerRecord) throws(RuntimeError) -> LowerLayers {
        if let layers = try? images.lowerLayers(for: record.imageID, logger: logger) { return try LowerLayers(layers: layers) }
        return try LowerLayers(directories: record.lowerDirectories)
    }
}
