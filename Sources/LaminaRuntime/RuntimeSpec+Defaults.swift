/// The settings every Lamina container gets, as `runc spec` and Docker choose them: the usual
/// kernel file systems, private namespaces, Docker's default capability set, masked /proc paths.
extension RuntimeSpec {
    /// /proc, /dev (with pts, shm, mqueue), /sys (read-only), its cgroups, and a private /tmp.
    static let standardMounts: [Mount] = [
        Mount(destination: "/proc", type: "proc", source: "proc", options: nil),
        Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
              options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
        Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
        Mount(destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"]),
    ]

    /// Docker's default capabilities: enough for a root process to manage its own files and users.
    static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

    static let maskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
    ]

    static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    /// pid, ipc, uts and mount namespaces always; a network namespace unless the host's is shared.
    static func namespaces(hostNetwork: Bool) -> [Namespace] {
        var types = ["pid", "ipc", "uts", "mount"]
        if !hostNetwork { types.append("network") }
        return types.map { Namespace(type: $0) }
    }

    /// A bind mount of a host path (`-v HOST:CTR[:ro]`).
    static func bind(_ volume: VolumeMount) -> Mount {
        Mount(destination: volume.containerPath, type: "bind", source: volume.hostPath,
              options: ["rbind", "rprivate"] + (volume.readOnly ? ["ro"] : []))
    }
}
