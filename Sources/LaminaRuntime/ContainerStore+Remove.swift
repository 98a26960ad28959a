import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ContainerStore {
    /// Removes a container: its runc state, its rootfs mount (a stale one too, after its daemon
    /// was killed), its daemon, its directories and record. A running container is refused
    /// unless `force`, which kills it first.
    public func remove(_ text: String, force: Bool) throws(RuntimeError) {
        let record = try find(text)
        let status = status(of: record)
        if status.state != .exited || status.monitorAlive {
            guard force else { throw .running(record.name) }
            if let runc = try? runc() {
                try? runc.kill(record.id, signal: "KILL")
            }
            waitForMonitor(record, seconds: 10)
        }
        let storeLock = try lockStore()
        defer { _ = storeLock }
        let lock = try lock(record.id)
        defer { _ = lock }
        try removeFiles(of: record)
    }

    /// Waits until the monitor has recorded the exit and tidied up; `kill` ends it after `seconds`.
    func waitForMonitor(_ record: ContainerRecord, seconds: Int, kill: Bool = true) {
        guard let monitor = record.monitor, monitor.pid != ProcessCalls.currentProcess else { return }
        for _ in 0..<(seconds * 50) where monitor.isAlive {
            usleep(20_000)
        }
        if kill { monitor.signal(SIGKILL) }
    }

    /// Everything of a container but what other containers share: runc state, mount, daemon,
    /// upper and work directories, bundle and record. The rootfs is never removed while mounted.
    func removeFiles(of record: ContainerRecord) throws(RuntimeError) {
        let id = record.id
        if let runc = try? runc() { runc.forceDelete(id) }
        try mounter(record.mounter).unmount(rootfs(id), daemon: read(id)?.mountDaemon ?? record.mountDaemon)
        guard MountHealth.of(rootfs(id)) == .absent else {
            throw .mountBusy("the rootfs of \(record.name) is still mounted at \(rootfs(id))")
        }
        if let identity = record.rootless { try removeRootlessLayer(record, identity: identity) }
        do {
            if (try? PosixCall.lstat(rootfs(id))) != nil { try PosixCall.removeDirectory(rootfs(id)) }
        } catch {
            throw .mountBusy("cannot remove \(rootfs(id)): \(error)")
        }
        for path in [upperDirectory(id), workDirectory(id)] {
            try? FileManager.default.removeItem(atPath: path)
        }
        do {
            try FileManager.default.removeItem(atPath: directory(id))
        } catch {
            throw .system(SystemError("remove", errno: EIO, path: directory(id)))
        }
        releaseImage(of: record)
    }
}
