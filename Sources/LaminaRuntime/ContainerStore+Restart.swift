import LaminaSystem

extension ContainerStore {
    /// `lamina start`: readies a stopped container to run its process again, on the writable
    /// layer it left: the merged view is mounted again (a stale mount of a killed daemon is
    /// cleared first), runc's leftover state and the old exit record go; the log is kept and
    /// grows. Returns the record to hand to `start` (attached) or `startDetached`, or nil when
    /// the container is running already.
    public func prepareStart(_ text: String, attached: Bool) throws(RuntimeError) -> ContainerRecord? {
        let found = try find(text)
        let lock = try lock(found.id)
        defer { _ = lock }
        guard var record = read(found.id) else { throw .containerNotFound(text) }
        let status = status(of: record)
        if status.state != .exited || status.monitorAlive { return nil }
        if record.terminal && !attached {
            throw .invalidArgument("container \(record.name) has a terminal (-t): start it attached, with -a")
        }
        let runc = try runc()
        runc.forceDelete(record.id)
        let id = record.id
        try mounter(record.mounter).unmount(rootfs(id), daemon: record.mountDaemon)
        record.mountDaemon = try mountRootfs(record)
        record.monitor = nil
        record.detached = !attached
        do {
            try write(record)
            if (try? PosixCall.lstat(exitPath(id))) != nil {
                try RuntimeError.system { () throws(SystemError) in try PosixCall.unlink(exitPath(id)) }
            }
        } catch {
            try? mounter(record.mounter).unmount(rootfs(id), daemon: record.mountDaemon)
            throw error
        }
        return record
    }
}
