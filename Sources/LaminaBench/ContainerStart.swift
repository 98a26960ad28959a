/// HOOK for the container-start workload (mount plus `runc run` of `true`).
///
/// The container runtime (LaminaRuntime) does not exist yet. When it does, replace
/// `Workload.containerStart`'s body in `Workload+Run.swift` with: make a runc bundle whose rootfs is
/// the mount, time `runc run --bundle B ID` of `true` (mount time is measured by the runner's mount
/// call: add it here too), and delete the container. Until then the workload is reported as skipped
/// with `unavailableReason`.
enum ContainerStart {
    static let unavailableReason = "container runtime not built yet (hook in ContainerStart.swift)"
}
