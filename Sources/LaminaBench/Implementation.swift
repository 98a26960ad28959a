/// A union file system the benchmark measures.
public enum Implementation: String, Codable, Sendable, CaseIterable, Comparable {
    case kernel = "kernel-overlayfs"
    case fuseOverlayfs = "fuse-overlayfs"
    case lamina = "lamina"
    /// Another lamina-overlayfs program (an earlier build) measured beside `lamina` in the same run,
    /// for before/after figures; only when its program is given (`--lamina-before`).
    case laminaBefore = "lamina-before"

    /// True when the merged view is served by a FUSE daemon whose memory and CPU are reported.
    public var isFUSE: Bool { self != .kernel }

    public static func < (left: Implementation, right: Implementation) -> Bool {
        allCases.firstIndex(of: left)! < allCases.firstIndex(of: right)!
    }
}
