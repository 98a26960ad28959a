/// A union file system the benchmark measures.
public enum Implementation: String, Codable, Sendable, CaseIterable, Comparable {
    case kernel = "kernel-overlayfs"
    case fuseOverlayfs = "fuse-overlayfs"
    case lamina = "lamina"

    /// True when the merged view is served by a FUSE daemon whose memory and CPU are reported.
    public var isFUSE: Bool { self != .kernel }

    public static func < (left: Implementation, right: Implementation) -> Bool {
        allCases.firstIndex(of: left)! < allCases.firstIndex(of: right)!
    }
}
