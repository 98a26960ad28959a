import Glibc
import LaminaSystem

/// What an upper layer means, read by kernel overlayfs: the upper directory mounted read-only as
/// the top-most lower layer over the kernel's copy of the lowers. Two upper layers that differ in
/// form (markers written where they change nothing) but not in meaning show the same view.
enum UpperReading {
    static func view(upper: String, lowers: [String], mountpoint: String) throws -> TreeSnapshot {
        let options = (["lowerdir=" + ([upper] + lowers).joined(separator: ":")] + MountedStacks.kernelOptions)
            .joined(separator: ",")
        try KernelMount.mount(source: "overlay", target: mountpoint, type: "overlay", options: options + ",ro")
        defer { try? KernelMount.unmount(mountpoint) }
        return TreeSnapshot.capture(mountpoint)
    }
}
