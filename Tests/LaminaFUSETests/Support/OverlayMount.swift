import Foundation
import Glibc
import LaminaSystem
import LaminaTestSupport

/// One mounted merged view: kernel overlayfs (the reference) or the implementation under test.
///
/// FUSE implementations run in the foreground as a child of the test, so the harness knows when a
/// daemon has finished (after unmounting, before the upper layer is read), sees its stderr, and can
/// kill it if the mount stops answering: `guarded` does that after a timeout, which turns a hung
/// FUSE request into an error (ENOTCONN) instead of a hung test suite.
///
/// Not thread-safe: one test owns it.
final class OverlayMount {
    enum Kind: Sendable {
        /// Kernel overlayfs with these options beyond the layer directories.
        case kernel(options: [String])
        /// A FUSE implementation; `options` are Lamina mount options (`-o`) beyond the layers, which
        /// fuse-overlayfs does not get.
        case implementation(ImplementationUnderTest, options: [String] = [])
    }

    let kind: Kind
    let layout: OverlayLayout
    private var daemon: ChildProcess?
    private var mounted = false
    /// What went wrong while unmounting or with the daemon: reported with a scenario's differences.
    private(set) var problems: [String] = []

    var name: String {
        switch kind {
        case .kernel: "kernel overlayfs"
        case .implementation(let implementation, let options):
            implementation.displayName + (options.contains { $0.hasPrefix("lowerindex=") } ? " with lowerindex=" : "")
        }
    }

    /// `launcher`: a command the FUSE daemon is started through, which must exec it in the same
    /// process (`prlimit --nofile=256 --`), so `daemonPID` is the daemon's.
    init(_ kind: Kind, layout: OverlayLayout, launcher: [String] = []) throws {
        self.kind = kind
        self.layout = layout
        switch kind {
        case .kernel(let options):
            let all = ([layout.options] + options).joined(separator: ",")
            try KernelMount.mount(source: "overlay", target: layout.mountpoint, type: "overlay", options: all)
        case .implementation(let implementation, let options):
            let command = launcher + [try implementation.program()] + Self.arguments(implementation, layout, options)
            guard let executable = TestHost.which(command[0]) else { throw HarnessError("\(command[0]): not found on PATH") }
            let daemon = try ChildProcess(executable, Array(command.dropFirst()), in: nil, environment: [:])
            self.daemon = daemon
            try waitUntilMounted(daemon)
        }
        mounted = true
    }

    deinit {
        if mounted { unmount() }
    }

    /// The FUSE daemon's process id (nil for the kernel): it runs in the foreground, so this is the
    /// process that serves the mount.
    var daemonPID: Int32? { daemon?.pid }

    /// The daemon's stderr so far (empty for the kernel).
    var daemonOutput: String { daemon.map { $0.result().errorOutput } ?? "" }

    /// Runs `body`; if it takes longer than `timeout`, kills the FUSE daemon so blocked calls fail.
    func guarded<T>(timeout: Duration = .seconds(120), _ body: () throws -> T) rethrows -> T {
        guard let daemon else { return try body() }
        // Weak: a cancelled work item stays queued until its deadline; it must not keep the daemon.
        let work = DispatchWorkItem { [weak daemon] in daemon?.kill() }
        let nanoseconds = timeout.components.seconds * 1_000_000_000
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds)), execute: work)
        defer { work.cancel() }
        return try body()
    }

    /// Unmounts and, for FUSE, waits for the daemon to exit. Idempotent; failures go to `problems`.
    ///
    /// EBUSY is retried for a few seconds: while another test starts a container, the kernel holds
    /// a reference on every mount it copies into the new mount namespace, and an unmount that
    /// propagates there fails for that moment.
    func unmount() {
        guard mounted else { return }
        mounted = false
        let attempt: () -> String?
        switch kind {
        case .kernel:
            attempt = { [layout] in
                Result { try KernelMount.unmount(layout.mountpoint) }.failure.map { "umount: \($0)" }
            }
        case .implementation(let implementation, _):
            let command = Self.unmountCommand(implementation, layout.mountpoint)
            attempt = {
                let result = try? Command.run(command[0], Array(command.dropFirst()), timeout: .seconds(60))
                return result?.status == 0 ? nil : "\(command.joined(separator: " ")): \(result?.transcript ?? "did not run")"
            }
        }
        if let failure = TestUnmount.retryingWhileBusy(attempt) {
            problems.append("\(name) did not unmount: \(failure)")
            try? KernelMount.unmount(layout.mountpoint, detach: true)
        }
        if let daemon { waitForExit(daemon) }
    }

    private static func unmountCommand(_ implementation: ImplementationUnderTest, _ mountpoint: String) -> [String] {
        if implementation == .lamina, let lamina = try? implementation.program() {
            return [lamina, "unmount", mountpoint]
        }
        return ["fusermount3", "-u", mountpoint]
    }

    private func waitForExit(_ daemon: ChildProcess) {
        if !daemon.wait(timeout: .seconds(30)) {
            problems.append("\(name) daemon still running 30 s after unmount; killed")
            daemon.kill()
            _ = daemon.wait(timeout: .seconds(10))
        }
        let status = daemon.result()
        if status.status != 0 {
            problems.append("\(name) daemon exited with status \(status.status): \(status.errorOutput)")
        }
    }

    private func waitUntilMounted(_ daemon: ChildProcess) throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let mount = MountInfo.mount(at: layout.mountpoint), mount.type.hasPrefix("fuse") { return }
            if !daemon.isRunning {
                throw HarnessError("\(name) exited before mounting \(layout.mountpoint):\n\(daemon.result().transcript)")
            }
            usleep(10_000)
        }
        daemon.kill()
        throw HarnessError("\(name) did not mount \(layout.mountpoint) within 30 s:\n\(daemon.result().transcript)")
    }

    private static func arguments(_ implementation: ImplementationUnderTest, _ layout: OverlayLayout, _ options: [String]) -> [String] {
        switch implementation {
        case .lamina:
            var arguments = ["mount", "--lower", layout.lowers.joined(separator: ":")]
            if let upper = layout.upper, let work = layout.work { arguments += ["--upper", upper, "--work", work] }
            if !options.isEmpty { arguments += ["-o", options.joined(separator: ",")] }
            return arguments + ["--foreground", layout.mountpoint]
        case .laminaOverlayfs:
            return ["-f", "-o", ([layout.options] + options).joined(separator: ","), layout.mountpoint]
        case .fuseOverlayfs:
            return ["-f", "-o", layout.options, layout.mountpoint]
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
