import LaminaSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Which bytes of a lazy layer's blob are in the store's copy (`blob`), from its append-only log
/// (`ranges`: 16-byte records, start and end, little-endian). Every process that reads the layer
/// appends to the one log after its bytes are written and synced, so a record always means the
/// bytes are there.
///
/// Thread safety: the merged ranges and how much of the log was read are behind a mutex (memory
/// work only); appends are single `write`s with O_APPEND, atomic between processes.
final class FetchedRanges: Sendable {
    private struct State {
        /// Sorted, non-overlapping, non-adjacent.
        var ranges: [Range<UInt64>] = []
        var logBytesRead = 0
    }

    let logPath: String
    private let state = Mutex(State())

    init(logPath: String) {
        self.logPath = logPath
    }

    /// Reads records other processes appended since the last call.
    func refresh() throws(LazyError) {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(logPath, flags: O_RDONLY)
        } catch where error.errno == ENOENT {
            return
        } catch {
            throw .system(error)
        }
        defer { descriptor.close() }
        let start = state.withLock { $0.logBytesRead }
        var bytes: [UInt8] = []
        while true {
            let chunk = try LazyError.system { () throws(SystemError) in try descriptor.read(count: 1 << 16, at: off_t(start + bytes.count)) }
            if chunk.isEmpty { break }
            bytes += chunk
        }
        let whole = bytes.count / 16 * 16
        guard whole > 0 else { return }
        state.withLock { state in
            for offset in stride(from: 0, to: whole, by: 16) {
                let lower = Self.u64(bytes, offset), upper = Self.u64(bytes, offset + 8)
                if lower < upper { Self.merge(lower..<upper, into: &state.ranges) }
            }
            state.logBytesRead = start + whole
        }
    }

    /// Records that `range` is in the blob copy (its bytes are written and synced).
    func record(_ range: Range<UInt64>) throws(LazyError) {
        guard !range.isEmpty else { return }
        var bytes: [UInt8] = []
        for value in [range.lowerBound, range.upperBound] {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        try LazyError.system { () throws(SystemError) in
            let descriptor = try FileDescriptor.open(logPath, flags: O_WRONLY | O_APPEND | O_CREAT, mode: 0o644)
            defer { descriptor.close() }
            // O_APPEND ignores the offset: the record lands at the end, whole.
            try descriptor.write(bytes, at: 0)
        }
        state.withLock { Self.merge(range, into: &$0.ranges) }
    }

    /// The parts of `range` not in the copy, in order.
    func missing(in range: Range<UInt64>) -> [Range<UInt64>] {
        state.withLock { state in
            var result: [Range<UInt64>] = []
            var cursor = range.lowerBound
            for present in state.ranges where present.upperBound > cursor && present.lowerBound < range.upperBound {
                if present.lowerBound > cursor { result.append(cursor..<present.lowerBound) }
                cursor = max(cursor, present.upperBound)
                if cursor >= range.upperBound { break }
            }
            if cursor < range.upperBound { result.append(cursor..<range.upperBound) }
            return result
        }
    }

    /// Bytes in the copy.
    var total: UInt64 { state.withLock { $0.ranges.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) } } }

    private static func merge(_ range: Range<UInt64>, into ranges: inout [Range<UInt64>]) {
        var lower = range.lowerBound, upper = range.upperBound
        var kept: [Range<UInt64>] = []
        kept.reserveCapacity(ranges.count + 1)
        var placed = false
        for existing in ranges {
            if existing.upperBound < lower {
                kept.append(existing)
            } else if existing.lowerBound > upper {
                if !placed {
                    kept.append(lower..<upper)
                    placed = true
                }
                kept.append(existing)
            } else {
                lower = min(lower, existing.lowerBound)
                upper = max(upper, existing.upperBound)
            }
        }
        if !placed { kept.append(lower..<upper) }
        ranges = kept
    }

    private static func u64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << UInt64(8 * $1) }
    }
}
