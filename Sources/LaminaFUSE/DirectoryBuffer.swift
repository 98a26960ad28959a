import CFuse
import Glibc
import LaminaOverlay

/// The reply buffer of one readdir or readdirplus call: entries are packed with libfuse's
/// `fuse_add_direntry(_plus)` until the kernel's buffer size is reached.
///
/// Owns its memory (call `deallocate`); used by one callback on one thread.
struct DirectoryBuffer {
    private let request: fuse_req_t?
    private let memory: UnsafeMutableRawPointer
    private let capacity: Int
    private var used = 0

    init(request: fuse_req_t?, capacity: Int) {
        self.request = request
        self.capacity = capacity
        self.memory = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 1), alignment: 8)
    }

    func deallocate() {
        memory.deallocate()
    }

    private var remaining: Int { capacity - used }

    private var cursor: UnsafeMutablePointer<CChar> {
        (memory + used).assumingMemoryBound(to: CChar.self)
    }

    /// Adds a plain entry; false when it does not fit (nothing is added then).
    mutating func add(_ entry: DirectoryEntry) -> Bool {
        var attributes = stat()
        attributes.st_ino = ino_t(entry.inode)
        attributes.st_mode = entry.type
        let size = entry.name.withCString { fuse_add_direntry(request, nil, 0, $0, nil, off_t(truncatingIfNeeded: entry.offset)) }
        guard size <= remaining else { return false }
        let cursor = self.cursor
        let remaining = self.remaining
        entry.name.withCString { name in
            _ = fuse_add_direntry(request, cursor, remaining, name, &attributes, off_t(truncatingIfNeeded: entry.offset))
        }
        used += size
        return true
    }

    /// True when a readdirplus entry for `entry` still fits.
    func fitsPlus(_ entry: DirectoryEntry) -> Bool {
        let size = entry.name.withCString { fuse_add_direntry_plus(request, nil, 0, $0, nil, off_t(truncatingIfNeeded: entry.offset)) }
        return size <= remaining
    }

    /// Adds a readdirplus entry (check `fitsPlus` first).
    mutating func addPlus(_ entry: DirectoryEntry, _ parameters: inout fuse_entry_param) {
        let cursor = self.cursor
        let remaining = self.remaining
        let size = entry.name.withCString { name in
            fuse_add_direntry_plus(request, cursor, remaining, name, &parameters, off_t(truncatingIfNeeded: entry.offset))
        }
        used += min(size, remaining)
    }

    /// Sends what was packed; libfuse's result (0, or a negative errno when the kernel did not take it).
    func reply() -> Int32 {
        fuse_reply_buf(request, memory.assumingMemoryBound(to: CChar.self), used)
    }
}
