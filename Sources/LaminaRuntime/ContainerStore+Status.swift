extension ContainerStore {
    /// Probes the container's state now.
    public func status(of record: ContainerRecord) -> ContainerStatus {
        let mount = MountHealth.of(rootfs(record.id))
        let monitorAlive = record.monitor?.isAlive ?? false
        if let exit = exitRecord(record.id) {
            return ContainerStatus(state: .exited, exitCode: exit.exitCode, pid: nil, mount: mount, monitorAlive: monitorAlive)
        }
        if let state = (try? runc())?.state(record.id), state.status != "stopped" {
            let running = state.status == "running" || state.status == "paused"
            return ContainerStatus(
                state: running ? .running : .created, exitCode: nil, pid: running ? state.pid : nil, mount: mount,
                monitorAlive: monitorAlive)
        }
        if monitorAlive {
            return ContainerStatus(state: .created, exitCode: nil, pid: nil, mount: mount, monitorAlive: true)
        }
        return ContainerStatus(state: .exited, exitCode: nil, pid: nil, mount: mount, monitorAlive: false)
    }
}
