import Glibc
import LaminaSystem

/// What one layer's copy of a directory says about merging, read from its extended attributes
/// with one `flistxattr` (and a `getxattr` only for the markers present).
///
/// Thread safety: an immutable value once read.
public struct DirectoryMarkers: Sendable {
    /// `overlay.opaque=y` (or the OCI `.wh..wh..opq` entry): layers below do not contribute.
    public var opaque = false
    /// `overlay.opaque=x`: the directory holds whiteouts in xattr form (zero-size files marked
    /// `overlay.whiteout`).
    public var holdsAttributeWhiteouts = false
    /// `overlay.redirect`: lower layers are read where this says (see `Redirect`).
    public var redirect: Redirect?
    /// The redirect xattr was there but invalid (ignored; logged once by whoever reads it).
    public var invalidRedirect: [UInt8]?

    public init() {}

    /// Reads the markers of an open directory (a readable descriptor, or an O_PATH one): its
    /// xattrs, and (unless told it cannot matter) the OCI opaque entry `.wh..wh..opq` among its
    /// names.
    public static func read(_ directory: FileDescriptor, lookingForOpaqueEntry: Bool = true) throws -> DirectoryMarkers {
        var markers = try readAttributes(directory)
        if lookingForOpaqueEntry, !markers.opaque, try hasOpaqueEntry(directory) { markers.opaque = true }
        return markers
    }

    /// Whether the directory holds the OCI opaque entry `.wh..wh..opq` (one fstatat).
    public static func hasOpaqueEntry(_ directory: FileDescriptor) throws -> Bool {
        try directory.statusIfPresent(of: Whiteout.opaqueEntry) != nil
    }

    private static func readAttributes(_ directory: FileDescriptor) throws -> DirectoryMarkers {
        switch Result(catching: { () throws(SystemError) in try directory.extendedAttributeNames() }) {
        case .success(let names):
            return try read(names: names) { try directory.extendedAttribute($0) }
        case .failure(let error) where error.errno == ENOTSUP:
            return DirectoryMarkers()
        case .failure(let error) where error.errno == EBADF:
            // An O_PATH descriptor (a directory we may search but not read): through /proc.
            let names = try directory.extendedAttributeNames(of: ".")
            return try read(names: names) { try directory.extendedAttribute($0, of: ".") }
        case .failure(let error):
            throw error
        }
    }

    private static func read(names: [String], value: (String) throws -> [UInt8]?) throws -> DirectoryMarkers {
        var markers = DirectoryMarkers()
        for name in names {
            switch OverlayAttribute.marker(name) {
            case "opaque":
                let found = try value(name)
                if found == Array("y".utf8) { markers.opaque = true }
                if found == Array("x".utf8) { markers.holdsAttributeWhiteouts = true }
            case "redirect":
                guard let found = try value(name) else { continue }
                if let redirect = Redirect(value: found) {
                    markers.redirect = redirect
                } else {
                    markers.invalidRedirect = found
                }
            default:
                continue
            }
        }
        return markers
    }
}
