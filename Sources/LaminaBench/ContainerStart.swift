import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// The container-start workload: mount the stack (fresh upper and work dir), write a minimal OCI
/// bundle whose rootfs is the merged view, `runc run` of `true` in it, unmount; timed as one step.
///
/// The generated stack holds no programs, so these mounts get one extra top layer with a static
/// busybox (`/bin/busybox`, `/bin/true -> busybox`), built once per run in the run directory; the
/// stacks the other workloads measure are unchanged. runc keeps its state under the run directory
/// and deletes the container when `true` exits. Runs runc directly (never LaminaRuntime, which
/// the benchmark does not link). Immutable after `prepare`; used from the benchmark's one thread.
struct ContainerStart {
    let runc: String
    /// The extra top layer holding busybox.
    let toolLayer: String
    /// runc's `--root`.
    let stateRoot: String

    static let runcCandidates = ["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc"]
    static let busyboxCandidates = ["/bin/busybox", "/usr/bin/busybox"]

    /// Why the workload cannot run here (runc or busybox missing), nil when it can.
    static var unavailableReason: String? {
        if runcCandidates.first(where: { access($0, X_OK) == 0 }) == nil {
            return "runc not found (looked in \(runcCandidates.joined(separator: ", ")))"
        }
        if busyboxCandidates.first(where: { access($0, X_OK) == 0 }) == nil {
            return "busybox not found (install busybox-static; looked in \(busyboxCandidates.joined(separator: ", ")))"
        }
        return nil
    }

    /// Finds runc and busybox and builds the busybox layer; throws `WorkloadUnavailable` when
    /// either program is missing.
    static func prepare(runDirectory: String) throws -> ContainerStart {
        if let reason = unavailableReason { throw WorkloadUnavailable(description: reason) }
        let runc = runcCandidates.first { access($0, X_OK) == 0 } ?? ""
        let busybox = busyboxCandidates.first { access($0, X_OK) == 0 } ?? ""
        let toolLayer = runDirectory + "/busybox-layer"
        try FileTree.makeDirectories(toolLayer + "/bin")
        try FileManager.default.copyItem(atPath: busybox, toPath: toolLayer + "/bin/busybox")
        try PosixCall.symbolicLink(target: "busybox", at: toolLayer + "/bin/true")
        let stateRoot = runDirectory + "/runc-state"
        try PosixCall.makeDirectory(stateRoot, mode: 0o700)
        return ContainerStart(runc: runc, toolLayer: toolLayer, stateRoot: stateRoot)
    }

    /// One cold container start on `implementation` (caches dropped before the clock starts).
    /// Returns the timing and the FUSE daemon's usage; leaves no mount and no container behind.
    func run(_ implementation: Implementation, _ stack: GeneratedStack,
             _ mounter: OverlayMounter) throws -> (StepTiming, ProcessUsage?) {
        try PageCache.dropAll()
        var mount: OverlayMount?
        defer { if let mount { _ = try? mount.unmount() } }
        var usage: ProcessUsage?
        let timing = try StepTiming.measure {
            let merged = try mounter.mount(implementation, stack, extraTopLayer: toolLayer)
            mount = merged
            let bundle = merged.scratch + "/bundle"
            try writeBundle(bundle, rootfs: merged.path)
            let id = "lamina-bench-\(getpid())-" + URL(fileURLWithPath: merged.scratch).lastPathComponent
            let result = try ChildProcess.run(
                runc, ["--root", stateRoot, "run", "--bundle", bundle, id], timeout: .seconds(60))
            guard result.exitCode == 0, !result.timedOut else {
                _ = try? ChildProcess.run(runc, ["--root", stateRoot, "delete", "--force", id], timeout: .seconds(30))
                let detail = result.timedOut ? "killed after 60 s" : "exit status \(result.exitCode)"
                throw SystemError("runc run of true (\(detail): \(result.errorOutput))", errno: EIO, path: bundle)
            }
            mount = nil
            usage = try merged.unmount()
            return 1
        }
        return (timing, usage)
    }

    /// A bundle running `/bin/true` as root in fresh pid, ipc, uts, mount and network namespaces,
    /// with /proc (runc needs it) and a tmpfs /dev, so runc writes no device nodes into the upper dir.
    private func writeBundle(_ bundle: String, rootfs: String) throws {
        try PosixCall.makeDirectory(bundle)
        let config: [String: Any] = [
            "ociVersion": "1.0.2",
            "process": [
                "terminal": false, "user": ["uid": 0, "gid": 0], "args": ["/bin/true"],
                "env": ["PATH=/bin"], "cwd": "/",
            ] as [String: Any],
            "root": ["path": rootfs],
            "hostname": "lamina-bench",
            "mounts": [
                ["destination": "/proc", "type": "proc", "source": "proc"],
                ["destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]],
            ] as [[String: Any]],
            "linux": ["namespaces": ["pid", "ipc", "uts", "mount", "network"].map { ["type": $0] }],
        ]
        let data = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: bundle + "/config.json"))
    }
}
