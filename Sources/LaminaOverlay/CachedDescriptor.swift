import Glibc
import LaminaSystem
import Synchronization

/// One directory's open descriptor, which the `DescriptorCache` may close while nobody uses it and
/// which is opened again on the next use.
///
/// Every live directory of the merged view can hold a descriptor per layer it spans (its handle:
/// operations are then (descriptor, one name), and no path is ever walked twice), but a deep walk
/// of a 100-layer image touches tens of thousands of them: the cache keeps the recently used ones
/// open, under a ceiling, and this slot remembers whether its descriptor is open now.
///
/// Thread safety: `state` (Mutex, a leaf lock held for a few loads and stores) protects the
/// descriptor and its pin count; a pinned descriptor is in use by some operation and is never
/// closed under it. `recentlyUsed` is the clock bit the cache's sweep clears.
///
/// Not final: a `LayerDirectory` is its own slot (one object per directory copy instead of two).
/// Sendable is unchecked only because Swift checks no open class; every stored property here is a
/// Mutex or an Atomic, and subclasses add only immutable or synchronised state.
class CachedDescriptor: @unchecked Sendable {
    struct State {
        var descriptor: Int32 = -1
        var pins: Int32 = 0
        /// The cache holds this slot in its ring (only while a descriptor is open).
        var cached = false
    }

    let state = Mutex(State())
    let recentlyUsed = Atomic<Bool>(false)

    init() {}

    /// The open descriptor, pinned (the caller unpins it after use); nil when closed.
    func pin() -> FileDescriptor? {
        let descriptor = state.withLock { state -> Int32 in
            guard state.descriptor >= 0 else { return -1 }
            state.pins += 1
            return state.descriptor
        }
        guard descriptor >= 0 else { return nil }
        recentlyUsed.store(true, ordering: .relaxed)
        return FileDescriptor(rawValue: descriptor)
    }

    func unpin() {
        state.withLock { $0.pins -= 1 }
    }

    /// Installs a freshly opened descriptor, pinned. When another thread installed one meanwhile,
    /// that one is used and `opened` is handed back to be closed. `isNew` says the cache must now
    /// take the slot into its ring.
    func install(_ opened: FileDescriptor) -> (descriptor: FileDescriptor, surplus: FileDescriptor?, isNew: Bool) {
        recentlyUsed.store(true, ordering: .relaxed)
        return state.withLock { state in
            state.pins += 1
            if state.descriptor >= 0 {
                return (FileDescriptor(rawValue: state.descriptor), opened, false)
            }
            state.descriptor = opened.rawValue
            let isNew = !state.cached
            state.cached = true
            return (opened, nil, isNew)
        }
    }

    /// Takes the descriptor away to be closed if nobody uses it; nil when it is pinned (or closed).
    /// `leavingRing` (the cache's sweep, which drops the slot from its ring in the same step) also
    /// clears the slot's ring membership; a `discard` leaves the slot in the ring, closed.
    func evict(leavingRing: Bool = false) -> FileDescriptor? {
        state.withLock { state in
            guard state.pins == 0, state.descriptor >= 0 else { return nil }
            let descriptor = state.descriptor
            state.descriptor = -1
            if leavingRing { state.cached = false }
            return FileDescriptor(rawValue: descriptor)
        }
    }

    /// Leaves the ring if the slot holds no descriptor (checked and done in one step, so a slot
    /// reopened meanwhile stays in the ring); true when it left.
    func leaveRingIfClosed() -> Bool {
        state.withLock { state in
            guard state.descriptor < 0 else { return false }
            state.cached = false
            return true
        }
    }
}
