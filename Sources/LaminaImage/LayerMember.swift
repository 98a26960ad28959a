#if canImport(Glibc)
import Glibc
#endif

/// One member of a layer tar a caller outside the store writes (`lamina commit` turning a
/// container's upper directory into a layer): its path in the layer, type and permission bits,
/// owner, time, link targets, device numbers and extended attributes.
///
/// The store's own `ArchiveEntry` stays internal; this is the public shape of the same header.
/// Immutable value.
public struct LayerMember: Sendable {
    /// The path inside the layer, relative, without a leading `/` (`etc/motd`).
    public var path: String
    /// File type and permission bits, as `st_mode` holds them.
    public var mode: mode_t
    public var uid: uid_t
    public var gid: gid_t
    /// The size of a regular file's data (0 for everything else and for hard links).
    public var size: Int64
    public var modificationSeconds: Int
    public var modificationNanoseconds: Int
    public var symlinkTarget: String?
    /// The layer path of an earlier member this one is a hard link to.
    public var hardlinkTarget: String?
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32
    public var extendedAttributes: [(name: String, value: [UInt8])]

    public init(
        path: String, mode: mode_t, uid: uid_t = 0, gid: gid_t = 0, size: Int64 = 0,
        modificationSeconds: Int = 0, modificationNanoseconds: Int = 0, symlinkTarget: String? = nil,
        hardlinkTarget: String? = nil, deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0,
        extendedAttributes: [(name: String, value: [UInt8])] = []
    ) {
        self.path = path
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.modificationSeconds = modificationSeconds
        self.modificationNanoseconds = modificationNanoseconds
        self.symlinkTarget = symlinkTarget
        self.hardlinkTarget = hardlinkTarget
        self.deviceMajor = deviceMajor
        self.deviceMinor = deviceMinor
        self.extendedAttributes = extendedAttributes
    }

    /// An OCI whiteout: the empty file `.wh.NAME` beside the deleted `NAME`.
    public static func whiteout(for path: String) -> LayerMember {
        let (parent, name) = split(path)
        return LayerMember(path: parent + ".wh." + name, mode: S_IFREG | 0o644)
    }

    /// The OCI opaque marker of a directory: nothing below it in lower layers shows through.
    public static func opaqueMarker(in directory: String) -> LayerMember {
        LayerMember(path: (directory.isEmpty ? "" : directory + "/") + ".wh..wh..opq", mode: S_IFREG | 0o644)
    }

    private static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    var archiveEntry: ArchiveEntry {
        ArchiveEntry(
            path: path, kind: ArchiveEntry.kind(forTypeBits: mode), permissions: mode & 0o7777, uid: uid, gid: gid,
            size: hardlinkTarget == nil ? size : 0, modificationSeconds: modificationSeconds,
            modificationNanoseconds: modificationNanoseconds, symlinkTarget: symlinkTarget,
            hardlinkTarget: hardlinkTarget, deviceMajor: deviceMajor, deviceMinor: deviceMinor,
            extendedAttributes: extendedAttributes)
    }
}
