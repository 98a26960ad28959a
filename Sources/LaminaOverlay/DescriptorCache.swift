import Glibc
import LaminaSystem
import Synchronization

/// The descriptors the engine keeps open for directories, under a ceiling.
///
/// A directory's descriptor is opened on first use (from its parent's descriptor and its one name)
/// and stays open while it is used; when more than `ceiling` are open, the least recently used ones
/// that nobody is using are closed (a clock sweep: each use sets a slot's bit, the sweep clears bits
/// and closes the first slot it finds clear). The daemon's descriptors are then bounded by this
/// ceiling plus what the kernel holds open (files it opened through the mount) plus the few an
/// operation opens for its own duration.
///
/// Thread safety: `ring` (Mutex) protects the slots that hold a descriptor and the clock hand; it
/// is taken after no other engine lock but a slot's own (`CachedDescriptor.state`), which the sweep
/// takes inside it. Descriptors are opened and closed outside it.
final class DescriptorCache: Sendable {
    private struct Ring {
        var slots: [CachedDescriptor] = []
        var hand = 0
    }

    /// Most descriptors kept open at once, as configured.
    let ceiling: Int
    /// The ceiling now: lowered when the process runs out of descriptors (its limit may have been
    /// lowered while it runs, `prlimit --pid`), to half of what it may open.
    private let currentCeiling: Atomic<Int>
    private let ring = Mutex(Ring())

    init(ceiling: Int) {
        self.ceiling = max(ceiling, 16)
        self.currentCeiling = Atomic(max(ceiling, 16))
    }

    /// Runs `body` with `slot`'s descriptor, opening it with `open` when it is closed. The
    /// descriptor cannot be closed while `body` runs.
    func withDescriptor<T>(
        _ slot: CachedDescriptor, open: () throws -> FileDescriptor, _ body: (FileDescriptor) throws -> T
    ) throws -> T {
        if let descriptor = slot.pin() {
            defer { slot.unpin() }
            return try body(descriptor)
        }
        let opened = try opening(open)
        let installed = slot.install(opened)
        defer { slot.unpin() }
        installed.surplus?.close()
        if installed.isNew { admit(slot) }
        return try body(installed.descriptor)
    }

    /// Number of slots holding a descriptor (tests and statistics).
    var openCount: Int { ring.withLock { $0.slots.count } }

    /// Closes every descriptor nobody uses (tests; and the answer to EMFILE).
    func closeIdle() {
        var closing: [FileDescriptor] = []
        ring.withLock { ring in
            ring.slots.removeAll { slot in
                if let descriptor = slot.evict(leavingRing: true) {
                    closing.append(descriptor)
                    return true
                }
                return slot.leaveRingIfClosed()
            }
            ring.hand = 0
        }
        closing.forEach { $0.close() }
    }

    /// Closes `slot`'s descriptor now unless it is in use (its owner is gone); the ring drops the
    /// slot at its next sweep.
    func discard(_ slot: CachedDescriptor) {
        slot.evict()?.close()
    }

    /// Runs `open` (anything that opens descriptors), retried once after closing every idle
    /// directory descriptor and lowering the ceiling to half the process's limit, when the process
    /// is out of descriptors: every open the engine makes goes through here.
    func opening<T>(_ open: () throws -> T) throws -> T {
        do {
            return try open()
        } catch let error as SystemError where error.errno == EMFILE || error.errno == ENFILE {
            currentCeiling.store(max(16, min(ceiling, ResourceLimits.openFileLimit() / 2)), ordering: .relaxed)
            closeIdle()
            return try open()
        }
    }

    /// Takes a slot that just got a descriptor into the ring, closing idle ones past the ceiling.
    private func admit(_ slot: CachedDescriptor) {
        var closing: [FileDescriptor] = []
        ring.withLock { ring in
            ring.slots.append(slot)
            var examined = 0
            // Two turns of the clock at most: the first clears every bit, the second finds a slot
            // unless every one is pinned (then the ring stays over the ceiling until they are not).
            let ceiling = currentCeiling.load(ordering: .relaxed)
            while ring.slots.count > ceiling && examined < 2 * ring.slots.count {
                examined += 1
                if ring.hand >= ring.slots.count { ring.hand = 0 }
                let candidate = ring.slots[ring.hand]
                if candidate.leaveRingIfClosed() {
                    ring.slots.swapAt(ring.hand, ring.slots.count - 1)
                    ring.slots.removeLast()
                    continue
                }
                if candidate.recentlyUsed.exchange(false, ordering: .relaxed) {
                    ring.hand += 1
                    continue
                }
                if let descriptor = candidate.evict(leavingRing: true) {
                    closing.append(descriptor)
                    ring.slots.swapAt(ring.hand, ring.slots.count - 1)
                    ring.slots.removeLast()
                } else {
                    ring.hand += 1
                }
            }
        }
        closing.forEach { $0.close() }
    }
}
