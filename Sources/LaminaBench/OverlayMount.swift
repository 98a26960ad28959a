import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// One live merged view: kernel overlayfs, or a FUSE daemon we started, over a fresh upper and
/// work directory. `unmount()` detaches it, reaps the daemon and deletes the upper and work data.
///
/// Not thread-safe: the benchmark drives one mount at a time from one thread.
final class OverlayMount {
    let implementation: Implementation
    /// The merged view.
    let path: String
    /// The directory holding `merged/`, `upper/`, `work/` and the daemon's log.
    let scratch: String
    /// The FUSE daemon's process id (nil for kernel overlayfs).
    let daemonPID: Int32?
    private let daemon: ChildProcess?
    private var mounted = true

    init(implementation: Implementation, path: String, scratch: String, daemonPID: Int32?, daemon: ChildProcess?) {
        self.implementation = implementation
        self.path = path
        self.scratch = scratch
        self.daemonPID = daemonPID
        self.daemon = daemon
    }

    /// The FUSE transport the daemon said it uses (Lamina logs "transport: ..." once the kernel's
    /// INIT was answered, before the mount answers its first request), from its log.
    func daemonTransport() -> String? {
        let log = (try? String(contentsOfFile: scratch + "/daemon.log", encoding: .utf8)) ?? ""
        guard let line = log.split(separator: "\n").first(where: { $0.contains("transport: ") }),
              let range = line.range(of: "transport: ") else { return nil }
        return String(line[range.upperBound...])
    }

    /// What the daemon has used so far (peak RSS and CPU time), read from /proc.
    func daemonUsage() -> ProcessUsage? {
        guard let daemonPID else { return nil }
        return try? ProcessUsage.read(pid: daemonPID)
    }

    /// Unmounts, waits for the daemon to exit, removes the scratch directory. Returns the daemon's
    /// usage read just before unmounting.
    @discardableResult
    func unmount() throws -> ProcessUsage? {
        guard mounted else { return nil }
        mounted = false
        let usage = daemonUsage()
        do {
            try KernelMount.unmount(path)
        } catch {
            _ = try? KernelMount.unmount(path, detach: true)
        }
        if let daemonPID {
            waitForExit(daemonPID)
        }
        try FileTree.remove(scratch)
        return usage
    }

    deinit {
        if mounted { _ = try? unmount() }
    }

    /// Waits up to ten seconds for the daemon to leave, then kills it (and reaps it when it is ours).
    private func waitForExit(_ pid: Int32) {
        if let daemon {
            if daemon.wait(timeout: .seconds(10)) == nil {
                daemon.signal(SIGKILL)
                daemon.wait(timeout: .seconds(10))
            }
            return
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if kill(pid, 0) != 0 { return }
            usleep(2_000)
        }
        kill(pid, SIGKILL)
    }
}
