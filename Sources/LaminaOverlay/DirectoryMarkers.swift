import Glibc
import LaminaSystem

/// What one layer's copy of a directory says about merging, read from its extended attributes
/// with one `flistxattr` (and a `getxattr` only for the markers present).
struct DirectoryMarkers: Sendable {
    /// `overlay.opaque=y`: layers below do not contribute.
    var opaque = false
    /// `overlay.opaque=x`: the directory holds whiteouts in xattr form (zero-size files marked
    /// `overlay.whiteout`).
    var holdsAttributeWhiteouts = false
    /// `overlay.redirect`: lower layers are read at this path (absolute "/a/b" or a sibling name).
    var redirect: String?

    /// Reads the markers of an open directory.
    static func read(_ directory: FileDescriptor) throws -> DirectoryMarkers {
        var markers = DirectoryMarkers()
        let listed = try unlessFailing(with: ENOTSUP) { try directory.extendedAttributeNames() }
        guard let names = listed else { return markers }
        for name in names {
            switch OverlayAttribute.marker(name) {
            case "opaque":
                let value = try directory.extendedAttribute(name)
                if value == Array("y".utf8) { markers.opaque = true }
                if value == Array("x".utf8) { markers.holdsAttributeWhiteouts = true }
            case "redirect":
                if let value = try directory.extendedAttribute(name), !value.isEmpty {
                    markers.redirect = String(decoding: value, as: UTF8.self)
                }
            default:
                continue
            }
        }
        return markers
    }
}
