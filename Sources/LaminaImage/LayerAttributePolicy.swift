import LaminaOverlay

/// Which extended attributes a layer archive may put on the files it unpacks to.
///
/// An image comes from a stranger, and an xattr is not only file data: some are read by the host.
/// The rule (docs/compatibility.md, "Security"):
/// - overlay markers (`trusted.overlay.*`, `user.overlay.*`, `user.fuseoverlayfs.*`) are never
///   applied: they would make the union engine (or kernel overlayfs, or fuse-overlayfs, reading the
///   store's layers) redirect, hide or merge directories. An image's only whiteout and opaque markers
///   are its OCI `.wh.` entries;
/// - the rest of `trusted.*` is dropped: that namespace belongs to privileged host daemons;
/// - `security.capability` is applied (file capabilities are real, and runc bounds them);
///   every other `security.*` (SELinux, SMACK, IMA/EVM) is dropped: labels and integrity data are
///   the host's policy, not the image's;
/// - `system.posix_acl_access`/`_default` (ACLs) and `user.*` are applied; anything else is dropped.
///
/// Stateless namespace.
enum LayerAttributePolicy {
    static let appliedSystemAttributes: Set<String> = ["system.posix_acl_access", "system.posix_acl_default"]

    /// True when an archive's attribute `name` is written to the unpacked file. Compared as bytes,
    /// as the kernel compares xattr names.
    static func applies(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        if OverlayAttribute.privatePrefixes.contains(where: { bytes.starts(with: $0.utf8) }) { return false }
        if bytes.starts(with: "user.".utf8) { return true }
        if bytes == Array("security.capability".utf8) { return true }
        return appliedSystemAttributes.contains { Array($0.utf8) == bytes }
    }
}
