import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Mounts a container's merged view: the image's layers (read-only, shared by every container of
/// the image) under the container's own upper and work directories.
///
/// The shipped mounter is Lamina's own daemon (`lamina mount`); `LAMINA_ROOTFS_MOUNTER=kernel` or
/// `=fuse-overlayfs` swap in the reference implementations for development and comparison. The
/// kind is stored with each container so it is unmounted the way it was mounted. Immutable value.
public struct RootfsMounter: Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case lamina
        case kernel
        case fuseOverlayfs = "fuse-overlayfs"
    }

    public let kind: Kind
    /// The `lamina` binary that runs the mount daemon.
    public let laminaExecutable: String

    public init(kind: Kind, laminaExecutable: String) {
        self.kind = kind
        self.laminaExecutable = laminaExecutable
    }

    /// The kind `LAMINA_ROOTFS_MOUNTER` names (Lamina when unset).
    public static func kind(environment: [String: String] = ProcessInfo.processInfo.environment) throws(RuntimeError) -> Kind {
        guard let text = environment["LAMINA_ROOTFS_MOUNTER"], !text.isEmpty else { return .lamina }
        guard let kind = Kind(rawValue: text) else {
            throw .invalidArgument(
                "LAMINA_ROOTFS_MOUNTER=\(text) is not one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }

    /// An image of a store: Lamina's daemon reads its layers through their indexes (and a lazily
    /// pulled layer through its content provider) when it mounts the image rather than directories.
    public struct ImageSource: Sendable {
        public var store: String
        public var image: String
        /// Some layer is lazily pulled: only Lamina's own daemon can read it.
        public var lazy: Bool

        public init(store: String, image: String, lazy: Bool) {
            self.store = store
            self.image = image
            self.lazy = lazy
        }
    }

    /// Mounts `lower` (top-most first; `image`, for Lamina's daemon, when they are an image's
    /// layers) with `upper` and `work` on `mountPoint`; returns the daemon serving it, if one does
    /// (nil for kernel overlayfs).
    public func mount(lower: [String], image: ImageSource? = nil, upper: String, work: String, on mountPoint: String) throws(RuntimeError) -> ProcessIdentity? {
        switch MountHealth.of(mountPoint) {
        case .mounted, .stale:
            throw .mountBusy("mount point \(mountPoint) is busy: something is already mounted there (`lamina rm -f` the container to clean it)")
        case .absent:
            break
        }
        if kind != .lamina, image?.lazy == true {
            throw .mountFailed("the image is lazily pulled: only Lamina's own mount reads it (unset LAMINA_ROOTFS_MOUNTER, or `lamina image fetch` it first)")
        }
        switch kind {
        case .lamina:
            if let image {
                // A container's root keeps its setuid programs and devices (an image view does not).
                try runMountCommand(laminaExecutable, [
                    "mount", "--store", image.store, image.image, "--upper", upper, "--work", work, "-o", "suid,dev", mountPoint,
                ])
            } else {
                try runMountCommand(laminaExecutable, [
                    "mount", "--lower", lower.joined(separator: ":"), "--upper", upper, "--work", work, mountPoint,
                ])
            }
            return Self.daemon(serving: mountPoint)
        case .fuseOverlayfs:
            guard let program = ExternalCommand.find("fuse-overlayfs") else {
                throw .mountFailed("fuse-overlayfs is not installed: apt-get install -y fuse-overlayfs")
            }
            try runMountCommand(program, ["-o", "lowerdir=\(lower.joined(separator: ":")),upperdir=\(upper),workdir=\(work)", mountPoint])
            return Self.daemon(serving: mountPoint)
        case .kernel:
            let options = "lowerdir=\(lower.joined(separator: ":")),upperdir=\(upper),workdir=\(work)"
            do {
                try KernelMount.mount(source: "overlay", target: mountPoint, type: "overlay", options: options)
            } catch {
                throw .mountFailed(error.description)
            }
            return nil
        }
    }

    /// Unmounts `mountPoint` (a stale mount is detached), then makes sure its daemon is gone.
    public func unmount(_ mountPoint: String, daemon: ProcessIdentity?) throws(RuntimeError) {
        switch MountHealth.of(mountPoint) {
        case .absent:
            break
        case .stale:
            try? unmountCall(mountPoint, detach: true)
        case .mounted:
            do {
                try unmountCall(mountPoint, detach: false)
            } catch where error.errno == EBUSY {
                throw .mountBusy("mount point \(mountPoint) is busy: a process still works in it (stop the container first)")
            } catch {
                throw .system(error)
            }
        }
        guard let daemon else { return }
        // The daemon exits once its mount is gone; give it a moment, then make sure.
        for _ in 0..<250 where daemon.isAlive {
            usleep(20_000)
        }
        daemon.signal(SIGKILL)
    }

    /// umount2 for kernel overlayfs; a FUSE mount may be a plain user's (fusermount3 takes it down).
    private func unmountCall(_ mountPoint: String, detach: Bool) throws(SystemError) {
        if kind == .kernel {
            try KernelMount.unmount(mountPoint, detach: detach)
        } else {
            try KernelMount.unmountFUSE(mountPoint, lazily: detach)
        }
    }

    func runMountCommand(_ executable: String, _ arguments: [String]) throws(RuntimeError) {
        let result = try RuntimeError.system { () throws(SystemError) in try ExternalCommand.run(executable, arguments) }
        guard result.exitCode == 0 else {
            let message = result.lastLine.isEmpty ? "\(executable) exited with status \(result.exitCode)" : result.lastLine
            if message.contains("busy") { throw .mountBusy(message) }
            throw .mountFailed(message)
        }
    }

    /// The process serving the FUSE mount at `mountPoint`: the one whose arguments name it.
    static func daemon(serving mountPoint: String) -> ProcessIdentity? {
        let own = ProcessCalls.currentProcess
        for pid in ProcessCalls.allProcesses() where pid != own {
            guard let arguments = ProcessCalls.arguments(of: pid), arguments.contains(mountPoint),
                arguments.contains("--foreground") || arguments.first?.hasSuffix("fuse-overlayfs") == true
            else { continue }
            if let identity = ProcessIdentity.of(pid) { return identity }
        }
        return nil
    }
}
