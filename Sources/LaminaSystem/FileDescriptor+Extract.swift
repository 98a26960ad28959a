import CLaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// What the image store adds for unpacking layers and locking the store: writing a buffer
/// libarchive owns without copying it, and `flock`.
extension FileDescriptor {
    /// pwrite(2) of a borrowed buffer until every byte is written.
    public func write(buffer: UnsafeRawBufferPointer, at offset: off_t, path: String? = nil) throws(SystemError) {
        guard let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            let written = try retryingOnInterrupt("write", path: path) {
                pwrite(rawValue, base + done, buffer.count - done, offset + off_t(done))
            }
            done += written
        }
    }

    /// flock(2). Returns false when `nonBlocking` and another open file holds a conflicting lock.
    public func lock(exclusive: Bool, nonBlocking: Bool = false, path: String? = nil) throws(SystemError) -> Bool {
        let operation = (exclusive ? LOCK_EX : LOCK_SH) | (nonBlocking ? LOCK_NB : 0)
        do {
            _ = try retryingOnInterrupt("flock", path: path) { flock(rawValue, operation) }
        } catch where error.errno == EWOULDBLOCK {
            return false
        }
        return true
    }
}
