import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// An advisory `flock` on a file in the container store, released when the value is dropped
/// (and by the kernel when its process dies, so a killed `lamina` never leaves a lock behind).
///
/// `containers.lock` serializes creating and removing containers (names stay unique); each
/// container's `lock` serializes changes to that container. Owns its descriptor.
final class ContainerLock {
    private let descriptor: FileDescriptor

    private init(descriptor: FileDescriptor) {
        self.descriptor = descriptor
    }

    /// Waits for the exclusive lock on `path` (created if missing).
    static func acquire(_ path: String) throws(RuntimeError) -> ContainerLock {
        try RuntimeError.system { () throws(SystemError) in
            let descriptor = try FileDescriptor.open(path, flags: O_RDWR | O_CREAT, mode: 0o600)
            do throws(SystemError) {
                _ = try descriptor.lock(exclusive: true, path: path)
            } catch {
                descriptor.close()
                throw error
            }
            return ContainerLock(descriptor: descriptor)
        }
    }

    deinit {
        descriptor.close()
    }
}
