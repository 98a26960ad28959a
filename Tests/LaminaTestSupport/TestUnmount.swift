import Glibc
import LaminaSystem

/// Takes a test's mount down even while another test starts a container: the kernel holds a
/// reference on every mount it copies into a new mount namespace, and an unmount that propagates
/// there fails with EBUSY for that moment. Tests that unmounted once and gave up left mounts behind
/// under a busy CI run.
public enum TestUnmount {
    /// Unmounts `path` (any mount; tests run as root), retrying EBUSY for up to five seconds, then
    /// detaching it. Returns what went wrong, or nil when it came down cleanly (or was not mounted).
    @discardableResult
    public static func unmount(_ path: String) -> String? {
        guard KernelMount.isMountPoint(path) else { return nil }
        var failure: SystemError?
        for _ in 0..<50 {
            do {
                try KernelMount.unmount(path)
                return nil
            } catch {
                failure = error
                guard error.errno == EBUSY else { break }
                usleep(100_000)
            }
        }
        try? KernelMount.unmount(path, detach: true)
        return "\(path) did not unmount (\(failure.map { "\($0)" } ?? "unknown")): detached"
    }
}
