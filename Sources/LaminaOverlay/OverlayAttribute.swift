/// The overlay's own extended attributes: the markers it reads (opaque, redirect, whiteout) in
/// every namespace overlay implementations write them, and the namespace it writes them in.
///
/// These names never show through `listxattr`/`getxattr` of the merged view.
struct OverlayAttribute: Sendable {
    /// Prefixes of attributes that belong to an overlay implementation, not to the file.
    static let privatePrefixes = ["trusted.overlay.", "user.overlay.", "user.fuseoverlayfs."]

    /// Where this mount writes its markers ("trusted.overlay." as root, else "user.overlay.").
    let namespace: String

    init(configured: String?, isRoot: Bool) {
        var namespace = configured ?? (isRoot ? "trusted.overlay." : "user.overlay.")
        if !namespace.hasSuffix(".") { namespace += "." }
        self.namespace = namespace
    }

    var opaque: String { namespace + "opaque" }
    var redirect: String { namespace + "redirect" }

    static func isPrivate(_ name: String) -> Bool {
        privatePrefixes.contains { name.hasPrefix($0) }
    }

    /// The marker a private attribute stands for ("opaque", "redirect", "whiteout"...), or nil.
    static func marker(_ name: String) -> Substring? {
        for prefix in privatePrefixes where name.hasPrefix(prefix) {
            return name.dropFirst(prefix.count)
        }
        return nil
    }

    /// Every name the whiteout marker of a file may have.
    static let whiteoutNames = privatePrefixes.map { $0 + "whiteout" }
    /// Every name the opaque marker may have.
    static let opaqueNames = privatePrefixes.map { $0 + "opaque" }
    /// Every name the redirect marker may have.
    static let redirectNames = privatePrefixes.map { $0 + "redirect" }
}
