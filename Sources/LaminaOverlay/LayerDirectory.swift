import Glibc
import LaminaSystem
import LaminaLayerIndex
import Synchronization

/// One directory inside one lower layer: the handle the engine reads that directory through.
///
/// A layer's root is opened once, at mount. Any other directory is its parent's descriptor plus
/// one name, opened `O_NOFOLLOW | O_DIRECTORY` when first needed (and again after the
/// `DescriptorCache` closed it), so nothing ever walks a path of more than one component in a lower
/// layer: no symlink in a layer can redirect a read, and no path depth is too deep. Lower layers
/// are immutable, so where a handle leads never changes and its markers are read once.
///
/// A layer read through its index needs no descriptor to answer names and metadata: the handle is
/// then the directory's number in the index, and a descriptor is opened only to read a file's data
/// from the unpacked directory.
///
/// Thread safety: immutable but for `slot` (see `CachedDescriptor`) and `markers` (Mutex, a leaf:
/// written once, when first read).
final class LayerDirectory: Sendable {
    /// The layer and how it is read.
    let source: LayerSource
    /// nil for a layer root.
    let parent: LayerDirectory?
    /// The name in `parent` ("." for a layer root).
    let name: FileName
    /// In a layer read through its index: the directory's number there (`missing` when the layer
    /// holds no directory of that name).
    let indexDirectory: UInt32
    private let slot: CachedDescriptor?
    private let markerState = Mutex<MarkerState?>(nil)
    /// Set by the first listing of this copy, which reads the handle itself (a fresh handle is
    /// positioned at its first entry); later listings open their own descriptor.
    private let handleListed = Atomic<Bool>(false)

    /// What is known of the markers: the xattrs (read once) and whether the OCI opaque entry is
    /// there (nil until looked for, or until a listing of the copy showed it).
    private struct MarkerState {
        var attributes: DirectoryMarkers
        var opaqueEntry: Bool?

        var markers: DirectoryMarkers {
            var markers = attributes
            if opaqueEntry == true { markers.opaque = true }
            return markers
        }
    }

    static let missing = UInt32.max

    /// A layer's root directory (its descriptor, if any, open for the mount's life).
    init(root source: LayerSource) {
        self.source = source
        self.parent = nil
        self.name = "."
        self.indexDirectory = LayerDirectoryID.root.rawValue
        self.slot = nil
    }

    /// The directory `name` inside `parent` (opened when first used).
    init(_ name: FileName, in parent: LayerDirectory) {
        self.source = parent.source
        self.parent = parent
        self.name = name
        if let index = parent.source.index {
            let found = parent.indexDirectory == Self.missing ? nil
                : index.lookup(name, in: LayerDirectoryID(rawValue: parent.indexDirectory))
            self.indexDirectory = found?.file.flatMap { index.directory(of: $0)?.rawValue } ?? Self.missing
        } else {
            self.indexDirectory = Self.missing
        }
        self.slot = parent.source.root == nil ? nil : CachedDescriptor()
    }

    /// The layer's index in the `LayerStack`.
    var layer: Int { source.layer }

    /// The subdirectory `name` of this directory.
    func child(_ name: FileName) -> LayerDirectory { LayerDirectory(name, in: self) }

    /// Runs `body` with this directory's descriptor (opening it, and its parents, as needed).
    /// ENOENT/ENOTDIR/ELOOP when the directory is not there (or is not a directory) in this layer.
    func withDescriptor<T>(_ cache: DescriptorCache, _ body: (FileDescriptor) throws -> T) throws -> T {
        if parent == nil, let root = source.root { return try body(root) }
        guard let slot, let parent else { throw SystemError("open", errno: ENOTSUP, path: name.description) }
        return try cache.withDescriptor(slot, open: {
            try parent.withDescriptor(cache) { try DirectoryHandle.open(name, in: $0) }
        }, body)
    }

    /// Closes the descriptor unless it is in use (the directory's node was dropped).
    func discard(_ cache: DescriptorCache) {
        if let slot { cache.discard(slot) }
    }

    /// The directory's overlay markers, each read once. With `withOpaqueEntry` false the OCI
    /// opaque entry is not looked for (an fstatat): the caller reads the copy's listing next, which
    /// shows it (`noteOpaqueEntry`). In the bottom layer it is never looked for: an opaque copy
    /// there hides nothing.
    func markers(_ cache: DescriptorCache, withOpaqueEntry: Bool = true) throws -> DirectoryMarkers {
        let known = markerState.withLock { $0 }
        if let known, known.opaqueEntry != nil || !withOpaqueEntry { return known.markers }
        var state: MarkerState
        if let known {
            state = known
        } else if let index = source.index {
            var markers = DirectoryMarkers()
            markers.opaque = index.isOpaque(try indexedDirectory())
            state = MarkerState(attributes: markers, opaqueEntry: false)
        } else {
            let attributes = try withDescriptor(cache) { try DirectoryMarkers.read($0, lookingForOpaqueEntry: false) }
            state = MarkerState(attributes: attributes, opaqueEntry: attributes.opaque || source.isBottom ? false : nil)
        }
        if withOpaqueEntry && state.opaqueEntry == nil {
            state.opaqueEntry = try withDescriptor(cache) { try DirectoryMarkers.hasOpaqueEntry($0) }
        }
        let found = state
        markerState.withLock { $0 = found }
        return found.markers
    }

    /// Records what a listing of this copy showed: whether it holds the OCI opaque entry.
    func noteOpaqueEntry(_ present: Bool) {
        markerState.withLock { state in
            guard var known = state, known.opaqueEntry == nil else { return }
            known.opaqueEntry = present
            state = known
        }
    }

    /// Claims the handle for a listing: true once per copy, for the first listing.
    func claimHandleForListing() -> Bool {
        !handleListed.exchange(true, ordering: .acquiringAndReleasing)
    }

    /// This directory's number in its layer's index; ENOENT when the layer has none of that name.
    func indexedDirectory() throws -> LayerDirectoryID {
        guard indexDirectory != Self.missing else { throw SystemError("lookup", errno: ENOENT, path: name.description) }
        return LayerDirectoryID(rawValue: indexDirectory)
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
