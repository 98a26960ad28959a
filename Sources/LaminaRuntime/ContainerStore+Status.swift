extension ContainerStore {
    /// Probes the container's state now.
    public func status(of record: ContainerRecord) -> ContainerStatus {
        // A rootless container's rootfs is mounted only in its own namespace, while its daemon lives.
        let mount = record.rootless == nil ? MountHealth.of(rootfs(record.id)) : record.mountDaemon?.isAlive == true ? .mounted : .absent
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
