/// Where one side of a comparison lives: its lower layers (top-most first), its upper and work
/// directories (nil for a read-only mount) and its mount point.
struct OverlayLayout: Sendable {
    var lowers: [String]
    var upper: String?
    var work: String?
    var mountpoint: String

    /// `lowerdir=...,upperdir=...,workdir=...`, the option string kernel overlayfs and
    /// fuse-overlayfs share.
    var options: String {
        var options = ["lowerdir=" + lowers.joined(separator: ":")]
        if let upper, let work { options += ["upperdir=" + upper, "workdir=" + work] }
        return options.joined(separator: ",")
    }
}
