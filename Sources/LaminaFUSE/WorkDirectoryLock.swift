import Glibc
import LaminaSystem

/// An exclusive flock(2) on a work directory, held for the life of the mount daemon, so a second
/// mount cannot use the same work (and upper) directory while the first is live.
///
/// Owns one descriptor, closed (which drops the lock) in `deinit`. Immutable after init.
public final class WorkDirectoryLock: Sendable {
    public let path: String
    private let descriptor: Int32
    private static let attempts = 60
    private static let pause: useconds_t = 50_000

    /// Takes the lock or throws `.busy` when another live mount holds it.
    public init(path: String) throws(MountError) {
        self.path = path
        do {
            descriptor = try MountCalls.openDirectory(path)
        } catch {
            throw MountError.path("work directory", path, error)
        }
        var locked = false
        do {
            // A daemon whose mount was just taken down may still hold the lock for a moment (a
            // remount right after an unmount, as podman does): give it a few seconds to exit.
            for attempt in 0..<Self.attempts {
                locked = try MountCalls.lockExclusively(descriptor, path: path)
                if locked || attempt == Self.attempts - 1 { break }
                usleep(Self.pause)
            }
        } catch {
            MountCalls.close(descriptor)
            throw MountError.path("work directory", path, error)
        }
        guard locked else {
            MountCalls.close(descriptor)
            throw MountError(.busy, "work directory \(path) is in use by another live mount")
        }
    }

    deinit {
        MountCalls.close(descriptor)
    }
}
