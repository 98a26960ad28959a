import LaminaSystem
import Synchronization

/// A directory node's own state: its merged index, and the handle of its upper copy.
///
/// Thread safety:
/// - `state` (Mutex) protects the index, the generation and the lower sources. It is also the lock
///   every change to the directory's entries holds across its syscall (create, unlink, rename, the
///   rename that ends a copy-up of a child), so the index and the upper directory change together.
///   It is never held across a data copy, an fsync or a directory read: an index is built from
///   listings read outside it and installed only if no change happened meanwhile (the generation).
/// - `upperHandle` is the cached descriptor of the upper copy (see `CachedDescriptor`).
/// - `upperInode` is the upper copy's st_ino once known (0 before), so a handle reopened by name
///   after the `DescriptorCache` closed it is checked to be the same directory.
/// - `lowerDirectoryCount` is atomic: written when the index is installed (under `state`), read by
///   stat without a lock.
final class DirectoryBox: Sendable {
    struct State: Sendable {
        /// The lower directories this directory merges, top-down, as its parent's index found them
        /// (before this directory's own opaque or redirect markers are applied).
        var lowerSources: [LayerDirectory]
        /// The lower directories this directory does merge, once resolved: `lowerSources` cut at
        /// the first opaque copy and redirected where a copy says so (the index's own sources once
        /// it is built).
        var resolvedSources: [LayerDirectory]?
        /// The upper copy holds whiteouts in xattr form (`overlay.opaque=x`), once resolved.
        var upperHoldsAttributeWhiteouts = false
        var index: DirectoryIndex?
        /// Lookups answered by probing the layers while there is no index (see `Overlay+Probe`).
        var probes: Int32 = 0
        /// How many lookups may probe before the index is built, weighed at the first lookup
        /// from the size of the directory's copies (nil until then).
        var probeBudget: Int32?
        /// Counts changes to the directory's entries, so a build that read the layers before a
        /// change is not installed after it.
        var generation: UInt64 = 0
        /// A thread is building the index now (others wait for the lock only, never the build).
        var building = false
    }

    let state: Mutex<State>
    let upperHandle = CachedDescriptor()
    let upperInode = Atomic<UInt64>(0)
    /// An open listing of this directory may fill the kernel's readdir cache (writable mounts:
    /// one at a time, see `Overlay.openListing`).
    let kernelCacheTurn = Atomic<Bool>(false)
    /// Lower directories merged into this directory (for st_nlink): its lower sources until its
    /// index is built, the index's sources after.
    let lowerDirectoryCount: Atomic<Int32>

    init(lowerSources: [LayerDirectory]) {
        state = Mutex(State(lowerSources: lowerSources))
        lowerDirectoryCount = Atomic(Int32(clamping: lowerSources.count))
    }
}
