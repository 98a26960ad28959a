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
/// Thread safety: immutable but for the descriptor slot it is (see `CachedDescriptor`, its base
/// class), `markerState` (Mutex, a leaf: written once, when first read) and `handleListed`.
///
/// Memory: one of these exists per directory of the merged view per layer it spans (11,500 after a
/// walk of a 100-layer image), so it is its own descriptor slot rather than owning one, and its
/// markers are a byte of flags plus a box only for the rare redirect: 112 bytes of heap each, where
/// a separate slot and the markers inline took 176.
final class LayerDirectory: CachedDescriptor, @unchecked Sendable {
    /// The layer and how it is read.
    let source: LayerSource
    /// nil for a layer root.
    let parent: LayerDirectory?
    /// The name in `parent` ("." for a layer root).
    let name: FileName
    /// In a layer read through its index: the directory's number there (`missing` when the layer
    /// holds no directory of that name).
    let indexDirectory: UInt32
    private let markerState = Mutex(MarkerState())
    /// Set by the first listing of this copy, which reads the handle itself (a fresh handle is
    /// positioned at its first entry); later listings open their own descriptor.
    private let handleListed = Atomic<Bool>(false)

    /// What is known of the markers: the xattrs (read once) and whether the OCI opaque entry is
    /// there (unknown until looked for, or until a listing of the copy showed it), as flags; a
    /// redirect, valid or not, in a box of its own.
    private struct MarkerState {
        private static let attributesRead: UInt8 = 1 << 0
        private static let opaque: UInt8 = 1 << 1
        private static let attributeWhiteouts: UInt8 = 1 << 2
        private static let opaqueEntryKnown: UInt8 = 1 << 3
        private static let opaqueEntryPresent: UInt8 = 1 << 4

        private var flags: UInt8 = 0
        private var redirects: RedirectMarkers?

        /// Nothing known yet.
        init() {}

        init(attributes: DirectoryMarkers, opaqueEntry: Bool?) {
            if attributes.opaque { flags |= Self.opaque }
            if attributes.holdsAttributeWhiteouts { flags |= Self.attributeWhiteouts }
            flags |= Self.attributesRead
            if attributes.redirect != nil || attributes.invalidRedirect != nil {
                redirects = RedirectMarkers(redirect: attributes.redirect, invalidRedirect: attributes.invalidRedirect)
            }
            self.opaqueEntry = opaqueEntry
        }

        var isKnown: Bool { flags & Self.attributesRead != 0 }

        var opaqueEntry: Bool? {
            get { flags & Self.opaqueEntryKnown == 0 ? nil : flags & Self.opaqueEntryPresent != 0 }
            set {
                flags &= ~(Self.opaqueEntryKnown | Self.opaqueEntryPresent)
                guard let newValue else { return }
                flags |= Self.opaqueEntryKnown | (newValue ? Self.opaqueEntryPresent : 0)
            }
        }

        var markers: DirectoryMarkers {
            var markers = DirectoryMarkers()
            markers.opaque = flags & Self.opaque != 0 || opaqueEntry == true
            markers.holdsAttributeWhiteouts = flags & Self.attributeWhiteouts != 0
            markers.redirect = redirects?.redirect
            markers.invalidRedirect = redirects?.invalidRedirect
            return markers
        }
    }

    /// A copy's redirect xattr, which few directories have.
    private final class RedirectMarkers: Sendable {
        let redirect: Redirect?
        let invalidRedirect: [UInt8]?

        init(redirect: Redirect?, invalidRedirect: [UInt8]?) {
            self.redirect = redirect
            self.invalidRedirect = invalidRedirect
        }
    }

    static let missing = UInt32.max

    /// A layer's root directory (its descriptor, if any, open for the mount's life).
    init(root source: LayerSource) {
        self.source = source
        self.parent = nil
        self.name = "."
        self.indexDirectory = LayerDirectoryID.root.rawValue
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
    }

    /// The layer's index in the `LayerStack`.
    var layer: Int { source.layer }

    /// The subdirectory `name` of this directory.
    func child(_ name: FileName) -> LayerDirectory { LayerDirectory(name, in: self) }

    /// Runs `body` with this directory's descriptor (opening it, and its parents, as needed).
    /// ENOENT/ENOTDIR/ELOOP when the directory is not there (or is not a directory) in this layer.
    func withDescriptor<T>(_ cache: DescriptorCache, _ body: (FileDescriptor) throws -> T) throws -> T {
        if parent == nil, let root = source.root { return try body(root) }
        guard let parent, source.root != nil else { throw SystemError("open", errno: ENOTSUP, path: name.description) }
        return try cache.withDescriptor(self, open: {
            try parent.withDescriptor(cache) { try DirectoryHandle.open(name, in: $0) }
        }, body)
    }

    /// Closes the descriptor unless it is in use (the directory's node was dropped).
    func discard(_ cache: DescriptorCache) {
        if parent != nil, source.root != nil { cache.discard(self) }
    }

    /// The directory's overlay markers, each read once. With `withOpaqueEntry` false the OCI
    /// opaque entry is not looked for (an fstatat): the caller reads the copy's listing next, which
    /// shows it (`noteOpaqueEntry`). In the bottom layer it is never looked for: an opaque copy
    /// there hides nothing.
    func markers(_ cache: DescriptorCache, withOpaqueEntry: Bool = true) throws -> DirectoryMarkers {
        let known = markerState.withLock { $0 }
        if known.isKnown, known.opaqueEntry != nil || !withOpaqueEntry { return known.markers }
        var state: MarkerState
        if known.isKnown {
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
            guard state.isKnown, state.opaqueEntry == nil else { return }
            state.opaqueEntry = present
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
