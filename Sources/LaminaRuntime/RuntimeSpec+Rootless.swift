/// What a rootless container's bundle leaves out or does differently: runc runs in a user
/// namespace without cgroups of its own (no cgroup mount, no device rules it could not apply),
/// and /sys can be mounted fresh only with a network namespace of its own, so with the host's
/// network it is bound from the host read-only, as podman does.
extension RuntimeSpec {
    static func mounts(rootless: Bool, hostNetwork: Bool) -> [Mount] {
        guard rootless else { return standardMounts }
        return standardMounts.compactMap { mount in
            switch mount.destination {
            case "/sys/fs/cgroup":
                return nil
            case "/sys" where hostNetwork:
                return Mount(destination: "/sys", type: "bind", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"])
            default:
                return mount
            }
        }
    }
}
