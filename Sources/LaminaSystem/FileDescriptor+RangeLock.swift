import CLaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Byte-range locks that belong to an open file description (F_OFD_SETLK): two opens of one file
/// conflict whether they are in one process or two, so one lock file can stand for many keys
/// (one byte each) shared by every thread and process that opens it.
extension FileDescriptor {
    /// Takes the lock on bytes `start..<start+length`; false when another open file holds a
    /// conflicting one (never waits).
    public func tryLockRange(start: Int64, length: Int64, exclusive: Bool = true) throws(SystemError) -> Bool {
        while true {
            if clamina_ofd_lock(rawValue, exclusive ? 1 : 0, 0, start, length) == 0 { return true }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EACCES { return false }
            throw SystemError("fcntl(F_OFD_SETLK)", errno: code)
        }
    }

    /// Releases a lock taken with `tryLockRange`.
    public func unlockRange(start: Int64, length: Int64) {
        _ = clamina_ofd_lock(rawValue, 0, 1, start, length)
    }
}
