import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ContainerStore {
    /// Runs a created container's process with `runc run` in this process until it ends, relaying
    /// the signals this process gets and its output (to `streams`' output and error, -1 for
    /// none, and always to the container's log); then records the exit code, unmounts the
    /// rootfs, and with `--rm` removes the container. Returns the exit code (128 + signal when
    /// killed); a process runc could not start is a `startFailed` error (recorded as the exit).
    ///
    /// This process is the container's monitor: `lamina run` in the foreground, or the
    /// `lamina container-monitor` a detached run starts.
    public func start(_ record: ContainerRecord, streams: (Int32, Int32, Int32)) throws(RuntimeError) -> Int32 {
        let runc = try runc()
        var record = record
        record.monitor = ProcessIdentity.current
        do {
            let lock = try lock(record.id)
            defer { _ = lock }
            try write(record)
        }
        let code: Int32
        do {
            let session = RuncSession(
                runcLog: runcLogPath(record.id), streams: streams, log: try ContainerLog.Writer(path: logPath(record.id)),
                terminal: record.terminal
            ) { [self] (pipes) throws(RuntimeError) -> pid_t in
                // A plain user's container: its runner runs runc (with the same log) in its user namespace.
                if let identity = record.rootless { return try spawnRootlessRunner(record, identity: identity, streams: pipes) }
                return try RuntimeError.system { () throws(SystemError) in
                    try ExternalCommand.spawn(
                        runc.executable, runc.logArguments(runcLogPath(record.id)) + runc.runArguments(id: record.id, bundle: bundleDirectory(record.id)),
                        streams: pipes)
                }
            }
            code = try session.run()
        } catch {
            finish(record, exitCode: error.exitCode, runc: runc, failure: error.description)
            throw error
        }
        finish(record, exitCode: code, runc: runc)
        return code
    }

    /// After the process ended: the exit record (with why it never started, if so), runc's state
    /// gone, the rootfs unmounted (its daemon with it), and for `--rm` everything else.
    func finish(_ record: ContainerRecord, exitCode: Int32, runc: Runc, failure: String? = nil) {
        let storeLock = record.autoRemove ? try? lockStore() : nil
        let lock = try? lock(record.id)
        defer { _ = (storeLock, lock) }
        guard var stored = read(record.id) else { return }  // removed meanwhile (`rm -f`)
        if let failure { ContainerLog.Writer.note(failure, in: logPath(record.id)) }
        try? writeExit(record.id, code: exitCode, failure: failure)
        stored.monitor = nil  // nothing is left to watch: the exit is recorded
        try? write(stored)
        runc.forceDelete(record.id)
        do {
            // The stored daemon: a rootless container's runner records the one it started.
            try mounter(record.mounter).unmount(rootfs(record.id), daemon: stored.mountDaemon ?? record.mountDaemon)
        } catch {
            logger.warning("\(record.name): \(error)")
        }
        if record.autoRemove {
            do {
                try removeFiles(of: record)
            } catch {
                logger.warning("\(record.name): \(error)")
            }
        }
    }

    /// Starts `lamina container-monitor` for a created container, in its own session (it keeps
    /// the container's output in its log), and returns once the process runs (or already ended);
    /// a process runc could not start is reported as `startFailed`.
    public func startDetached(_ record: ContainerRecord) throws(RuntimeError) {
        let monitor = try RuntimeError.system { () throws(SystemError) -> Int32 in
            let null = try MountCalls.openReadWrite("/dev/null")
            defer { MountCalls.close(null) }
            return try ExternalCommand.spawn(
                laminaExecutable, ["container-monitor", "--store", images.root, record.id], streams: (null, null, null))
        }
        let runc = try runc()
        for _ in 0..<1500 {
            if let exit = exitRecord(record.id) {
                if let failure = exit.failure { throw .startFailed(failure, exitCode: exit.exitCode) }
                return
            }
            if let state = runc.state(record.id), state.status == "running" { return }
            if let status = try? MountCalls.exitStatus(of: monitor, blocking: false) {
                if exitRecord(record.id) != nil { return }
                throw .runc("the container did not start (monitor exited with status \(ProcessCalls.exitCode(fromWaitStatus: status))); see `lamina logs \(record.name)`")
            }
            usleep(20_000)
        }
        throw .runc("the container did not start within 30 seconds; see `lamina logs \(record.name)`")
    }
}
