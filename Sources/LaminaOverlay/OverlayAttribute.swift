/// The overlay's own extended attributes: the markers it reads (opaque, redirect, whiteout) in
/// every namespace overlay implementations write them, and the namespace it writes them in.
///
/// These names never show through `listxattr`/`getxattr` of the merged view, and nothing that reads
/// a layer (the image store's unpacker, the runtime's diff and commit) treats them as a file's own.
///
/// Thread safety: an immutable value.
public struct OverlayAttribute: Sendable {
    /// Prefixes of attributes that belong to an overlay implementation, not to the file.
    public static let privatePrefixes = ["trusted.overlay.", "user.overlay.", "user.fuseoverlayfs."]

    /// Where this mount writes its markers ("trusted.overlay." as root, else "user.overlay.").
    let namespace: String

    init(configured: String?, isRoot: Bool) {
        var namespace = configured ?? (isRoot ? "trusted.overlay." : "user.overlay.")
        if !namespace.hasSuffix(".") { namespace += "." }
        self.namespace = namespace
    }

    var opaque: String { namespace + "opaque" }
    var redirect: String { namespace + "redirect" }

    /// True for an attribute of the overlay's own (in any namespace), never a file's.
    public static func isPrivate(_ name: String) -> Bool {
        privatePrefixes.contains { name.hasPrefix($0) }
    }

    /// The marker a private attribute stands for ("opaque", "redirect", "whiteout"...), or nil.
    public static func marker(_ name: String) -> Substring? {
        for prefix in privatePrefixes where name.hasPrefix(prefix) {
            return name.dropFirst(prefix.count)
        }
        return nil
    }

    /// Every name the whiteout marker of a file may have.
    public static let whiteoutNames = privatePrefixes.map { $0 + "whiteout" }
    /// Every name the opaque marker may have.
    public static let opaqueNames = privatePrefixes.map { $0 + "opaque" }
    /// Every name the redirect marker may have.
    public static let redirectNames = privatePrefixes.map { $0 + "redirect" }
}
