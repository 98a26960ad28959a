import Foundation
import LaminaImage
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// A plain user's containers (`RootlessIdentity`). `create` mounts the image read-only, as the
/// user, only to write the bundle; `start` runs `lamina container-rootless ID` in a user namespace
/// of the container's own, which mounts the rootfs there, runs runc, and takes the mount down when
/// the container ends. The mount lives in that namespace's mount namespace, so it cannot outlive
/// the container's processes, and nothing is mounted on the host at all. What the container wrote
/// belongs to its subordinate ids, so its writable layer is removed from inside a namespace too.
extension ContainerStore {
    /// Runs `body` with the image's layers mounted read-only on the rootfs by the user (through
    /// fusermount3), then unmounts them.
    func withReadOnlyView<T>(of record: ContainerRecord, _ body: () throws(RuntimeError) -> T) throws(RuntimeError) -> T {
        let mountPoint = rootfs(record.id)
        let view = mounter(.lamina)
        try view.runMountCommand(laminaExecutable, ["mount", "--lower", record.lowerDirectories.joined(separator: ":"), mountPoint])
        let daemon = RootfsMounter.daemon(serving: mountPoint)
        defer { try? view.unmount(mountPoint, daemon: daemon) }
        return try body()
    }

    /// The monitor's side: starts the container's runner in its user namespace on `streams`.
    /// Returns the runner's pid; the caller relays signals to it and waits for it.
    func spawnRootlessRunner(_ record: ContainerRecord, identity: RootlessIdentity, streams: (Int32, Int32, Int32)) throws(RuntimeError) -> pid_t {
        try RuntimeError.system { () throws(SystemError) in
            try UserNamespace.spawn(
                laminaExecutable, ["container-rootless", "--store", images.root, record.id],
                uidMap: identity.uidMap, gidMap: identity.gidMap, streams: streams
            ).pid
        }
    }

    /// The runner's side, as root of the container's user namespace: mounts the rootfs (the daemon
    /// mounts FUSE directly and may chown among the mapped ids), makes the working directory, runs
    /// `runc run` (rootless mode: runc sees the namespace) relaying signals, then deletes runc's
    /// state and unmounts. Returns the container's exit code.
    public func runRootless(_ text: String) throws(RuntimeError) -> Int32 {
        let record = try find(text)
        guard record.rootless != nil else { throw .invalidArgument("container \(record.name) is not a rootless container") }
        let runc = try runc()
        let id = record.id
        let daemon = try mountRootfs(record)
        defer {
            runc.forceDelete(id)
            do {
                try mounter(record.mounter).unmount(rootfs(id), daemon: daemon)
            } catch {
                logger.warning("\(record.name): \(error)")
            }
        }
        do {
            let lock = try lock(id)
            defer { _ = lock }
            if var stored = read(id) {
                stored.mountDaemon = daemon
                try write(stored)
            }
        }
        if let data = FileManager.default.contents(atPath: bundleDirectory(id) + "/config.json"),
           let spec = try? JSONDecoder().decode(RuntimeSpec.self, from: data),
           RootfsPath.resolve(spec.process.cwd, in: rootfs(id)) == nil {
            try RootfsPath.makeDirectories(spec.process.cwd, in: rootfs(id))
        }
        let pid = try RuntimeError.system { () throws(SystemError) in
            try ExternalCommand.spawn(
                runc.executable, runc.logArguments(runcLogPath(id)) + runc.runArguments(id: id, bundle: bundleDirectory(id)), streams: (0, 1, 2))
        }
        SignalRelay.start(to: pid)
        let status = try? MountCalls.exitStatus(of: pid, blocking: true)
        SignalRelay.stop()
        return status.map(ProcessCalls.exitCode(fromWaitStatus:)) ?? 255
    }

    /// For a plain user's command that reads what a rootless container wrote (`diff`, `commit`):
    /// runs `arguments` (this same command line) again as root of a user namespace mapped as the
    /// container's, where those files are readable. Returns its exit code; nil when there is no
    /// need (host root, already in a namespace, or not a rootless container).
    public func rerunInUserNamespace(of text: String, arguments: [String]) throws(RuntimeError) -> Int32? {
        guard Privilege.current == .user, let identity = try find(text).rootless else { return nil }
        let child = try RuntimeError.system { () throws(SystemError) in
            try UserNamespace.spawn(laminaExecutable, arguments, uidMap: identity.uidMap, gidMap: identity.gidMap, streams: (0, 1, 2))
        }
        return child.wait().map(ProcessCalls.exitCode(fromWaitStatus:)) ?? 255
    }

    /// Removes what a rootless container wrote (owned by its subordinate ids, which the user may
    /// not delete) from inside a user namespace mapped as the container's was.
    func removeRootlessLayer(_ record: ContainerRecord, identity: RootlessIdentity) throws(RuntimeError) {
        let paths = [upperDirectory(record.id), workDirectory(record.id)].filter { (try? PosixCall.lstat($0)) != nil }
        guard !paths.isEmpty else { return }
        let code = try RuntimeError.system { () throws(SystemError) in
            try UserNamespace.run("/bin/rm", ["-rf", "--one-file-system", "--"] + paths, uidMap: identity.uidMap, gidMap: identity.gidMap)
        }
        guard code == 0 else {
            throw .system(SystemError("rm -rf (in the container's user namespace) exited \(code)", errno: EPERM, path: paths[0]))
        }
    }
}
