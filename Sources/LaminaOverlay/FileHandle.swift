import Glibc
import LaminaSystem
import Synchronization

/// An open file: the descriptor reads and writes go to, and the node it belongs to.
///
/// A handle opened read-only on a lower file "follows" the file: once another handle copied the
/// file up, the next `descriptor()` reopens it from the upper layer (the node's atomic `hasUpper`
/// makes the check cheap). A replaced descriptor is kept open until `close()`, as another thread
/// may still be reading from it.
///
/// Thread safety: `state` (Mutex, a leaf) protects the descriptors; the reopening open runs outside it.
final class FileHandle: Sendable {
    private struct State {
        var current: FileDescriptor
        var retired: [FileDescriptor] = []
        var followed = false
    }

    /// Bit 63 of a handle value: the handle may follow its file to the upper layer, so
    /// `descriptor(for:)` must consult the table. Other handles carry their descriptor in bits 0-31.
    static let followsBit: UInt64 = 1 << 63

    let node: Node
    let flags: Int32
    let follows: Bool
    private let state: Mutex<State>

    init(node: Node, descriptor: FileDescriptor, flags: Int32, follows: Bool) {
        self.node = node
        self.flags = flags
        self.follows = follows
        self.state = Mutex(State(current: descriptor))
    }

    /// The handle number for table sequence `sequence`.
    func handleValue(sequence: UInt64) -> UInt64 {
        let descriptor = UInt64(UInt32(bitPattern: state.withLock { $0.current.rawValue }))
        return (sequence << 32 | descriptor) & ~Self.followsBit | (follows ? Self.followsBit : 0)
    }

    /// The descriptor of a handle value that does not follow (no lock, no table).
    static func fixedDescriptor(_ handle: UInt64) -> Int32? {
        handle & followsBit == 0 ? Int32(bitPattern: UInt32(truncatingIfNeeded: handle)) : nil
    }

    /// The descriptor to use now; after a copy-up, `reopen` opens the upper copy (once).
    func descriptor(reopen: (Node, Int32) throws -> FileDescriptor) throws -> FileDescriptor {
        if !follows || !node.isUpper {
            return state.withLock { $0.current }
        }
        if let followed = state.withLock({ $0.followed ? $0.current : nil }) { return followed }
        let reopened = try reopen(node, flags)
        return state.withLock { state in
            if state.followed {
                reopened.close()
                return state.current
            }
            state.retired.append(state.current)
            state.current = reopened
            state.followed = true
            return reopened
        }
    }

    /// The descriptor as it is, without following (fstat of an unlinked file).
    var currentDescriptor: FileDescriptor { state.withLock { $0.current } }

    func close() {
        state.withLock { state in
            state.current.close()
            state.retired.forEach { $0.close() }
            state.retired.removeAll()
        }
    }
}
