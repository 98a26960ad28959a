import Synchronization

/// The backing file each open node is passed through to, as the kernel holds it: while a node has
/// passthrough opens, the kernel takes every further open of it only in passthrough mode and onto
/// the same backing file (another one: EBUSY; a cached open: ETXTBSY; both reach the opener as
/// EIO), and while it has cached opens it refuses passthrough ones. So the first open of a node
/// decides, and later opens join it; the last release closes the backing id.
///
/// A node passed through to a lower layer's file cannot be written through this mount until those
/// opens are gone: an open for writing (which needs the upper copy) is answered `busy`.
///
/// Thread safety: `entries` (Mutex, a leaf) protects the table; callers register and close backing
/// ids outside it.
final class BackingFiles: Sendable {
    /// What a node's opens go through.
    enum Backing: Equatable, Sendable {
        /// A registered backing file: its id, and whether it is the upper copy.
        case file(id: Int32, upper: Bool)
        /// No backing file: reads and writes are requests to the daemon (cached mode).
        case none
    }

    /// How to answer one open.
    enum Answer: Equatable, Sendable {
        case passthrough(Int32)
        case cached
        /// The open needs another backing file than the node's opens hold (ETXTBSY).
        case busy
    }

    private struct Entry {
        var backing: Backing
        var opens: Int
    }

    private let entries = Mutex<[UInt64: Entry]>([:])

    /// True while `node` has opens passed through to a lower layer's file.
    func holdsLowerFile(_ node: UInt64) -> Bool {
        entries.withLock { table in
            if case .file(_, upper: false) = table[node]?.backing { return true }
            return false
        }
    }

    /// Counts one more open of a node that is open already; nil when it has no opens (the caller
    /// then registers a backing file and calls `start`).
    func join(_ node: UInt64, writing: Bool) -> Answer? {
        entries.withLock { table in
            guard var entry = table[node] else { return nil }
            let answer = Self.answer(entry.backing, writing: writing)
            if answer != .busy {
                entry.opens += 1
                table[node] = entry
            }
            return answer
        }
    }

    /// Records the first open of `node` with `backing`, unless another open came first: then this
    /// one joins that, and `taken` is false (the caller closes the id it registered).
    func start(_ node: UInt64, backing: Backing, writing: Bool) -> (answer: Answer, taken: Bool) {
        entries.withLock { table in
            if var entry = table[node] {
                let answer = Self.answer(entry.backing, writing: writing)
                if answer != .busy {
                    entry.opens += 1
                    table[node] = entry
                }
                return (answer, false)
            }
            table[node] = Entry(backing: backing, opens: 1)
            return (Self.answer(backing, writing: writing), true)
        }
    }

    /// One open of `node` ended; the backing id to close when it was the last.
    func leave(_ node: UInt64) -> Int32? {
        entries.withLock { table in
            guard var entry = table[node] else { return nil }
            entry.opens -= 1
            if entry.opens > 0 {
                table[node] = entry
                return nil
            }
            table[node] = nil
            if case .file(let id, _) = entry.backing { return id }
            return nil
        }
    }

    /// Open nodes (for tests and the debug log).
    var count: Int { entries.withLock { $0.count } }

    private static func answer(_ backing: Backing, writing: Bool) -> Answer {
        switch backing {
        case .none: .cached
        case .file(_, upper: false) where writing: .busy
        case .file(let id, _): .passthrough(id)
        }
    }
}
