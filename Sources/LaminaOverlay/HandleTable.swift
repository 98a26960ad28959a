import Synchronization

/// Open handles (files or directory listings) by the number handed to the kernel.
///
/// Numbers come from a counter and are never reused during a mount. `key` lets the caller fold
/// the sequence number into a handle with extra bits (see `FileHandle.handleValue`).
///
/// Thread safety: `state` (Mutex) protects the map; a leaf lock, held only for one map operation.
final class HandleTable<Value: Sendable>: Sendable {
    private struct State {
        var next: UInt64 = 1
        var values: [UInt64: Value] = [:]
    }

    private let state = Mutex(State())

    init() {}

    /// Stores `value` under the handle `key(sequence)`.
    func insert(_ value: Value, key: (UInt64) -> UInt64 = { $0 }) -> UInt64 {
        state.withLock { state in
            let handle = key(state.next)
            state.next += 1
            state.values[handle] = value
            return handle
        }
    }

    func value(_ handle: UInt64) -> Value? {
        state.withLock { $0.values[handle] }
    }

    func remove(_ handle: UInt64) -> Value? {
        state.withLock { $0.values.removeValue(forKey: handle) }
    }

    func first(where predicate: (Value) -> Bool) -> Value? {
        state.withLock { $0.values.values.first(where: predicate) }
    }
}
