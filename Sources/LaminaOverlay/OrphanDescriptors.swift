import Glibc
import LaminaSystem
import Synchronization

/// Descriptors of regular files that lost their last name while the kernel still held them.
///
/// When the kernel opens files without telling the daemon (FUSE's no-open mode), nothing records
/// which files are open, yet POSIX lets a process keep reading and writing a file after it was
/// unlinked or renamed over. So when a regular file the kernel holds loses its last name, the
/// engine opens it first and keeps that descriptor here until the kernel forgets the node; reads,
/// writes, fsync and stat of the node then use it.
///
/// Thread safety: `state` (Mutex) protects the map; a leaf lock held for one map operation. The
/// map holds each node, so its identity cannot be taken by another node while it is kept.
final class OrphanDescriptors: Sendable {
    private struct Orphan {
        let node: Node
        var descriptor: FileDescriptor
        /// Open for writing (an upper copy, or a lower copy promoted by `writableDescriptor`).
        var writable: Bool
        /// Descriptors replaced by a promotion, closed with the orphan (a reader may still use one).
        var retired: [FileDescriptor] = []
    }

    private let state = Mutex([ObjectIdentifier: Orphan]())
    private let count = Atomic<Int>(0)
    /// When the latest orphan was kept.
    private let lastKept = Mutex<ContinuousClock.Instant?>(nil)

    init() {}

    /// True when no orphan is kept (the common case: one atomic load).
    var isEmpty: Bool { count.load(ordering: .relaxed) == 0 }

    /// Number of orphans kept.
    var keptCount: Int { count.load(ordering: .relaxed) }

    /// Most orphans kept at once: a quarter of the process's descriptor limit (at least 16), so
    /// that with the directory handles (`DescriptorCache`, half of it) the descriptors each call
    /// opens for its own duration always find room.
    static func ceiling(descriptorLimit: Int) -> Int { max(16, descriptorLimit / 4) }

    /// Keeps `descriptor` for `node` (replacing, and closing, one kept before).
    func keep(_ descriptor: FileDescriptor, for node: Node, writable: Bool) {
        let replaced = state.withLock {
            $0.updateValue(Orphan(node: node, descriptor: descriptor, writable: writable), forKey: ObjectIdentifier(node))
        }
        if let replaced {
            replaced.descriptor.close()
            replaced.retired.forEach { $0.close() }
        } else {
            count.add(1, ordering: .relaxed)
        }
        lastKept.withLock { $0 = .now }
    }

    /// Whether an orphan was kept within `window`: a file closed and then unlinked is an orphan
    /// until the kernel's forget for it arrives, which trails the unlink, and its space comes back
    /// only once that descriptor is closed.
    func keptRecently(within window: Duration) -> Bool {
        guard let kept = lastKept.withLock({ $0 }) else { return false }
        return ContinuousClock.now - kept < window
    }

    /// The descriptor kept for `node`, if it is an orphan.
    func descriptor(of node: Node) -> FileDescriptor? {
        guard count.load(ordering: .relaxed) > 0 else { return nil }
        return state.withLock { $0[ObjectIdentifier(node)]?.descriptor }
    }

    /// The descriptor kept for `node` made writable: a read-only one (the file was a lower copy
    /// when it lost its last name) is replaced by `promote`'s private copy of it, once. nil when
    /// `node` is no orphan.
    func writableDescriptor(of node: Node, promote: (FileDescriptor) throws -> FileDescriptor) throws -> FileDescriptor? {
        guard count.load(ordering: .relaxed) > 0 else { return nil }
        guard let (current, writable) = state.withLock({ state in
            state[ObjectIdentifier(node)].map { ($0.descriptor, $0.writable) }
        }) else { return nil }
        if writable { return current }
        let copy = try promote(current)
        return state.withLock { state -> FileDescriptor in
            let key = ObjectIdentifier(node)
            guard var orphan = state[key] else { return copy }  // released meanwhile: nothing to replace
            if orphan.writable {
                copy.close()
                return orphan.descriptor
            }
            orphan.retired.append(orphan.descriptor)
            orphan.descriptor = copy
            orphan.writable = true
            state[key] = orphan
            return copy
        }
    }

    /// Closes the descriptor kept for `node`, if any (the kernel forgot it).
    func release(_ node: Node) {
        guard count.load(ordering: .relaxed) > 0 else { return }
        guard let orphan = state.withLock({ $0.removeValue(forKey: ObjectIdentifier(node)) }) else { return }
        count.subtract(1, ordering: .relaxed)
        orphan.descriptor.close()
        orphan.retired.forEach { $0.close() }
    }
}
