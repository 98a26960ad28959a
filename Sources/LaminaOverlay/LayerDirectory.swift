import Glibc
import LaminaSystem
import Synchronization

/// One directory inside one lower layer: the handle the engine reads that directory through.
///
/// A layer's root is opened once, at mount. Any other directory is its parent's descriptor plus
/// one name, opened `O_NOFOLLOW | O_DIRECTORY` when first needed (and again after the
/// `DescriptorCache` closed it), so nothing ever walks a path of more than one component in a lower
/// layer: no symlink in a layer can redirect a read, and no path depth is too deep. Lower layers
/// are immutable, so where a handle leads never changes and its markers are read once.
///
/// Thread safety: immutable but for `slot` (see `CachedDescriptor`) and `markers` (Mutex, a leaf:
/// written once, when first read).
final class LayerDirectory: Sendable {
    /// The layer's index in the `LayerStack`.
    let layer: Int
    /// nil for a layer root.
    let parent: LayerDirectory?
    /// The name in `parent` ("." for a layer root).
    let name: FileName
    /// A layer root's descriptor, owned by the `LayerStack`; nil for any other directory.
    private let rootDescriptor: FileDescriptor?
    private let slot: CachedDescriptor?
    private let markerState = Mutex<DirectoryMarkers?>(nil)

    /// A layer's root directory, open for the mount's life.
    init(layer: Int, root: FileDescriptor) {
        self.layer = layer
        self.parent = nil
        self.name = "."
        self.rootDescriptor = root
        self.slot = nil
    }

    /// The directory `name` inside `parent` (opened when first used).
    init(_ name: FileName, in parent: LayerDirectory) {
        self.layer = parent.layer
        self.parent = parent
        self.name = name
        self.rootDescriptor = nil
        self.slot = CachedDescriptor()
    }

    /// The subdirectory `name` of this directory.
    func child(_ name: FileName) -> LayerDirectory { LayerDirectory(name, in: self) }

    /// Runs `body` with this directory's descriptor (opening it, and its parents, as needed).
    /// ENOENT/ENOTDIR/ELOOP when the directory is not there (or is not a directory) in this layer.
    func withDescriptor<T>(_ cache: DescriptorCache, _ body: (FileDescriptor) throws -> T) throws -> T {
        if let rootDescriptor { return try body(rootDescriptor) }
        guard let slot, let parent else { throw SystemError("open", errno: EBADF, path: name.description) }
        return try cache.withDescriptor(slot, open: {
            try parent.withDescriptor(cache) { try DirectoryHandle.open(name, in: $0) }
        }, body)
    }

    /// Closes the descriptor unless it is in use (the directory's node was dropped).
    func discard(_ cache: DescriptorCache) {
        if let slot { cache.discard(slot) }
    }

    /// The directory's overlay markers, read once.
    func markers(_ cache: DescriptorCache) throws -> DirectoryMarkers {
        if let known = markerState.withLock({ $0 }) { return known }
        let read = try withDescriptor(cache) { try DirectoryMarkers.read($0) }
        markerState.withLock { $0 = read }
        return read
    }

    /// The names from the layer root down to this directory (empty for the root).
    var components: [FileName] {
        var names: [FileName] = []
        var current: LayerDirectory? = self
        while let directory = current, directory.parent != nil {
            names.append(directory.name)
            current = directory.parent
        }
        return names.reversed()
    }

    /// The path from the layer root, for messages ("a/b/c"; "." for the root).
    var path: String {
        var names: [String] = []
        var current: LayerDirectory? = self
        while let directory = current, directory.parent != nil {
            names.append(directory.name.description)
            current = directory.parent
        }
        return names.isEmpty ? "." : names.reversed().joined(separator: "/")
    }
}

/// Opening a directory handle: one name under an open directory, never following a symlink.
enum DirectoryHandle {
    /// `name` under `parent`, read-only (readable for listing and xattrs); a directory the caller may
    /// search but not read (mode 0311, say) is opened O_PATH, which still serves every `*at` call.
    static func open(_ name: FileName, in parent: FileDescriptor) throws -> FileDescriptor {
        do {
            return try parent.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        } catch where error.errno == EACCES {
            return try parent.open(name, flags: OpenFlags.path | O_DIRECTORY | O_NOFOLLOW)
        }
    }
}
