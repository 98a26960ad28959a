import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// An advisory `flock` on a file in the store, released when the value is dropped.
///
/// Imports and pulls hold the store lock shared for their whole run; `prune` holds it exclusive,
/// so it never removes a blob an import is about to reference. The index lock is held exclusive
/// around each read-modify-write of `index.json`. The kernel drops a lock when its process dies, so
/// a killed process never leaves the store locked. Immutable after init; the descriptor is
/// owned by this object.
final class StoreLock {
    private let descriptor: FileDescriptor

    private init(descriptor: FileDescriptor) {
        self.descriptor = descriptor
    }

    /// Waits for the lock.
    static func acquire(_ path: String, exclusive: Bool) throws(ImageError) -> StoreLock {
        let descriptor = try open(path)
        do {
            _ = try descriptor.lock(exclusive: exclusive, path: path)
        } catch {
            descriptor.close()
            throw .system(error)
        }
        return StoreLock(descriptor: descriptor)
    }

    /// Takes the lock only if nobody holds a conflicting one; nil otherwise.
    static func attempt(_ path: String, exclusive: Bool) throws(ImageError) -> StoreLock? {
        let descriptor = try open(path)
        do {
            if try descriptor.lock(exclusive: exclusive, nonBlocking: true, path: path) {
                return StoreLock(descriptor: descriptor)
            }
        } catch {
            descriptor.close()
            throw .system(error)
        }
        descriptor.close()
        return nil
    }

    private static func open(_ path: String) throws(ImageError) -> FileDescriptor {
        do {
            return try FileDescriptor.open(path, flags: O_RDWR | O_CREAT, mode: 0o644)
        } catch {
            throw .system(error)
        }
    }

    deinit {
        descriptor.close()
    }
}
