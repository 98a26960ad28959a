import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on one key (one byte) of a lock file, shared by every thread and process
/// that opens the file: taken by polling until a deadline, so a waiter never blocks forever.
///
/// Owns its own open of the lock file (the lock belongs to that open); `release` closes it.
/// Not thread-safe: held by one caller.
struct FileLock {
    private let descriptor: FileDescriptor
    private let key: Int64

    init(path: String, key: Int64, deadline seconds: TimeInterval) throws(LazyError) {
        descriptor = try LazyError.system { () throws(SystemError) in
            try FileDescriptor.open(path, flags: O_RDWR | O_CREAT, mode: 0o644)
        }
        self.key = key
        let deadline = Date().addingTimeInterval(seconds)
        var pause: useconds_t = 1_000
        while true {
            let taken: Bool
            do {
                taken = try descriptor.tryLockRange(start: key, length: 1)
            } catch {
                descriptor.close()
                throw .system(error)
            }
            if taken { return }
            if Date() > deadline {
                descriptor.close()
                throw .fetch("waited \(Int(seconds)) s for another fetch of the same file")
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    /// A lock taken only if free now; nil when another holds it.
    static func attempt(path: String, key: Int64) throws(LazyError) -> FileLock? {
        let descriptor = try LazyError.system { () throws(SystemError) in
            try FileDescriptor.open(path, flags: O_RDWR | O_CREAT, mode: 0o644)
        }
        let taken = (try? descriptor.tryLockRange(start: key, length: 1)) ?? false
        guard taken else {
            descriptor.close()
            return nil
        }
        return FileLock(descriptor: descriptor, key: key)
    }

    private init(descriptor: FileDescriptor, key: Int64) {
        self.descriptor = descriptor
        self.key = key
    }

    func release() {
        descriptor.unlockRange(start: key, length: 1)
        descriptor.close()
    }
}
