import Glibc
import Synchronization

/// The inode numbers the merged view reports: stable for the mount's life and unique within it.
///
/// A file's number is the real inode number of its origin (where it came from). When the layers
/// span several filesystems, the filesystem's index (in order of first sight) goes in the high
/// bits, as overlayfs's xino does; with one filesystem numbers are the real ones. A copy-up records
/// upper (dev, ino) -> origin number, so a file keeps its number when it moves to the upper layer.
///
/// Thread safety: `state` (a `Mutex`) protects the device list and the origin map; it is a leaf
/// lock (nothing else is taken while it is held).
final class InodeNumbers: Sendable {
    private struct Key: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private struct State {
        var devices: [UInt64: UInt64] = [:]
        var origins: [Key: UInt64] = [:]
    }

    /// Bits left for the real inode number when a device index is added.
    private static let inodeBits: UInt64 = 48
    private let spansDevices: Bool
    private let state: Mutex<State>

    init(layerDevices: [dev_t]) {
        var initial = State()
        for device in layerDevices where initial.devices[UInt64(device)] == nil {
            initial.devices[UInt64(device)] = UInt64(initial.devices.count)
        }
        spansDevices = initial.devices.count > 1
        state = Mutex(initial)
    }

    /// The merged number of the real file (`device`, `inode`).
    func number(device: dev_t, inode: UInt64) -> UInt64 {
        let key = Key(device: UInt64(device), inode: inode)
        return state.withLock { state in
            if let origin = state.origins[key] { return origin }
            return Self.combine(key, in: &state, spansDevices: spansDevices)
        }
    }

    /// The merged number for a stat result.
    func number(of status: stat) -> UInt64 {
        number(device: status.st_dev, inode: UInt64(status.st_ino))
    }

    /// Records that the upper file `copy` was copied up from a file numbered `origin`.
    func recordCopy(_ copy: stat, origin: UInt64) {
        let key = Key(device: UInt64(copy.st_dev), inode: UInt64(copy.st_ino))
        state.withLock { $0.origins[key] = origin }
    }

    private static func combine(_ key: Key, in state: inout State, spansDevices: Bool) -> UInt64 {
        guard spansDevices else { return key.inode }
        let index: UInt64
        if let known = state.devices[key.device] {
            index = known
        } else {
            index = UInt64(state.devices.count)
            state.devices[key.device] = index
        }
        if index == 0 { return key.inode }
        return (index << inodeBits) | (key.inode & ((1 << inodeBits) - 1))
    }
}
