import Glibc
import LaminaSystem

/// Takes a test's mount down even while another test starts a container: the kernel holds a
/// reference on every mount it copies into a new mount namespace, and an unmount that propagates
/// there fails with EBUSY for that moment. Tests that unmounted once and gave up left mounts behind
/// under a busy CI run.
public enum TestUnmount {
    /// Runs `attempt` (nil when it worked, else what went wrong) again while what went wrong says
    /// "busy", for up to five seconds; returns the last failure, or nil.
    public static func retryingWhileBusy(_ attempt: () -> String?) -> String? {
        var failure = attempt()
        for _ in 0..<50 where failure?.contains("busy") == true {
            usleep(100_000)
            failure = attempt()
        }
        return failure
    }

    /// Unmounts `path` (any mount; tests run as root), retrying while it is busy, then detaching
    /// it. Returns what went wrong, or nil when it came down cleanly (or was not mounted).
    @discardableResult
    public static func unmount(_ path: String) -> String? {
        guard KernelMount.isMountPoint(path) else { return nil }
        let failure = retryingWhileBusy {
            do {
                try KernelMount.unmount(path)
                return nil
            } catch {
                return "\(error)"
            }
        }
        guard let failure else { return nil }
        try? KernelMount.unmount(path, detach: true)
        return "\(path) did not unmount (\(failure)): detached"
    }
}
