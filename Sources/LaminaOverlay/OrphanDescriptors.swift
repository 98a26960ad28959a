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
        let descriptor: FileDescriptor
    }

    private let state = Mutex([ObjectIdentifier: Orphan]())
    private let count = Atomic<Int>(0)

    init() {}

    /// True when no orphan is kept (the common case: one atomic load).
    var isEmpty: Bool { count.load(ordering: .relaxed) == 0 }

    /// Keeps `descriptor` for `node` (replacing, and closing, one kept before).
    func keep(_ descriptor: FileDescriptor, for node: Node) {
        let replaced = state.withLock { $0.updateValue(Orphan(node: node, descriptor: descriptor), forKey: ObjectIdentifier(node)) }
        if let replaced { replaced.descriptor.close() } else { count.add(1, ordering: .relaxed) }
    }

    /// The descriptor kept for `node`, if it is an orphan.
    func descriptor(of node: Node) -> FileDescriptor? {
        guard count.load(ordering: .relaxed) > 0 else { return nil }
        return state.withLock { $0[ObjectIdentifier(node)]?.descriptor }
    }

    /// Closes the descriptor kept for `node`, if any (the kernel forgot it).
    func release(_ node: Node) {
        guard count.load(ordering: .relaxed) > 0 else { return }
        guard let orphan = state.withLock({ $0.removeValue(forKey: ObjectIdentifier(node)) }) else { return }
        count.subtract(1, ordering: .relaxed)
        orphan.descriptor.close()
    }
}
