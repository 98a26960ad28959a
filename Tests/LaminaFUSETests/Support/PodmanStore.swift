import Foundation

/// A private podman store (its own `--root` and `--runroot` under a test's scratch directory) whose
/// overlay driver mounts with `mountProgram` (a fuse-overlayfs-compatible program), or with kernel
/// overlayfs when it is nil. Runs containers with runc, no network, and the ulimits podman 4.3
/// needs on this machine (see shared/field-notes.md).
struct PodmanStore {
    static let containerLimits = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]

    let name: String
    let root: String
    let mountProgram: String?
    /// podman wants a run root shorter than 50 characters: its own short directory under /tmp.
    private let runroot: ScratchDirectory

    init(name: String, mountProgram: String?, scratch: ScratchDirectory) throws {
        self.name = name
        self.mountProgram = mountProgram
        root = try scratch.directory("podman-" + name)
        runroot = try ScratchDirectory("rr")
    }

    private var globalArguments: [String] {
        var arguments = ["--root", root + "/root", "--runroot", runroot.path, "--storage-driver", "overlay"]
        if let mountProgram { arguments += ["--storage-opt", "overlay.mount_program=" + mountProgram] }
        return arguments + ["--runtime", "runc", "--events-backend", "file", "--cgroup-manager", "cgroupfs"]
    }

    /// Runs `podman ARGUMENTS` on this store; a failure is an error carrying podman's output.
    @discardableResult
    func podman(_ arguments: [String], in directory: String? = nil) throws -> CommandResult {
        let result = try Command.run(
            "podman", globalArguments + arguments, in: directory, timeout: .seconds(180))
        guard result.status == 0, !result.timedOut else {
            throw HarnessError("podman \(arguments.joined(separator: " ")) on the \(name) store failed:\n\(result.transcript)")
        }
        return result
    }

    /// Unmounts what podman left mounted in the store (image mounts, its private bind mount).
    func tearDown() {
        _ = try? Command.run("podman", globalArguments + ["image", "unmount", "--all"], timeout: .seconds(60))
        MountInfo.detachAll(under: root)
        runroot.remove()
    }
}
