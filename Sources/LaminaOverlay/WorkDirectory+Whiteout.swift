import Glibc
import LaminaSystem

/// Whether whiteouts are made as hard links to one whiteout inode kept in the work directory.
///
/// Kernel overlayfs does the same: a link only adds a directory entry, where mknod allocates an
/// inode, which on a cold ext4 costs a read of the inode table (about 200 µs here per whiteout).
enum SharedWhiteout: Sendable {
    /// Not made yet (or given up after the link limit was reached): make one on next use.
    case absent
    /// `WorkDirectory.sharedWhiteoutName` is a character device 0/0 ready to be linked.
    case ready
    /// The upper file system refused (no mknod, no links to devices): every whiteout gets its own inode.
    case unavailable
}

extension WorkDirectory {
    /// The shared whiteout inode's name in the work directory (removed with the other leftovers at mount).
    static let sharedWhiteoutName: FileName = "#lamina.whiteout"

    /// Makes `path` (a name) under `directory` a whiteout by linking it to the shared whiteout inode; false
    /// when sharing is unavailable here (the caller then makes a whiteout of its own). Errors about
    /// `path` itself (it exists, its parent is missing) are thrown.
    func linkSharedWhiteout(to directory: FileDescriptor, _ path: FileName) throws -> Bool {
        try sharedWhiteout.withLock { (state) throws(SystemError) -> Bool in
            for _ in 0..<2 {
                if state == .unavailable { return false }
                if state == .absent {
                    guard makeSharedWhiteout() else {
                        state = .unavailable
                        return false
                    }
                    state = .ready
                }
                do throws(SystemError) {
                    try descriptor.link(Self.sharedWhiteoutName, to: directory, path)
                    return true
                } catch {
                    switch error.errno {
                    case EMLINK, ENOENT: state = .absent  // full, or gone: the next try starts a fresh one
                    case EEXIST: throw error
                    default:
                        state = .unavailable
                        return false
                    }
                }
            }
            return false
        }
    }

    /// A fresh 0/0 device renamed over the shared name (a full or missing one is replaced).
    private func makeSharedWhiteout() -> Bool {
        let temporary = temporaryName()
        do {
            try Whiteout.createDevice(in: descriptor, for: temporary)
        } catch {
            return false
        }
        do {
            try descriptor.rename(temporary, to: descriptor, Self.sharedWhiteoutName)
            return true
        } catch {
            try? descriptor.unlink(temporary)
            return false
        }
    }
}
