import LaminaOverlay
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// One member of a layer tar a caller outside the store writes (`lamina commit` turning a
/// container's upper directory into a layer): its path in the layer, type and permission bits,
/// owner, time, link targets, device numbers and extended attributes.
///
/// Paths are names (bytes), one per level, and link targets are bytes: any name the kernel
/// accepts goes into the layer exactly. The store's own `ArchiveEntry` stays internal; this is the
/// public shape of the same header. Immutable value.
public struct LayerMember: Sendable {
    /// The path inside the layer, one name per level from the layer root (`["etc", "motd"]`). For a
    /// whiteout, the path it deletes; for an opaque marker, the directory it makes opaque.
    public var path: [FileName]
    /// File type and permission bits, as `st_mode` holds them.
    public var mode: mode_t
    public var uid: uid_t
    public var gid: gid_t
    /// The size of a regular file's data (0 for everything else and for hard links).
    public var size: Int64
    public var modificationSeconds: Int
    public var modificationNanoseconds: Int
    /// A symbolic link's target, as `readlink` returns it.
    public var symlinkTarget: [UInt8]?
    /// The layer path of an earlier member this one is a hard link to.
    public var hardlinkTarget: [FileName]?
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32
    public var extendedAttributes: [(name: String, value: [UInt8])]
    /// Set for the overlay's markers, whose member name is not `path` itself.
    private var marker: Marker?

    private enum Marker: Sendable { case whiteout, opaque }

    public init(
        path: [FileName], mode: mode_t, uid: uid_t = 0, gid: gid_t = 0, size: Int64 = 0,
        modificationSeconds: Int = 0, modificationNanoseconds: Int = 0, symlinkTarget: [UInt8]? = nil,
        hardlinkTarget: [FileName]? = nil, deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0,
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

    /// An OCI whiteout: the empty file `.wh.NAME` beside the deleted `NAME` (the engine's `Whiteout`
    /// format; for a name of more than 251 bytes the member name passes 255 bytes, which tar holds
    /// and the store's unpacker turns into the kernel's form of a whiteout).
    public static func whiteout(for path: [FileName]) -> LayerMember {
        var member = LayerMember(path: path, mode: S_IFREG | 0o644)
        member.marker = .whiteout
        return member
    }

    /// The OCI opaque marker of a directory: nothing below it in lower layers shows through.
    public static func opaqueMarker(in directory: [FileName]) -> LayerMember {
        var member = LayerMember(path: directory, mode: S_IFREG | 0o644)
        member.marker = .opaque
        return member
    }

    /// The member's name in the tar.
    var archivePath: ArchivePath {
        switch marker {
        case nil:
            return ArchivePath(components: path)
        case .opaque:
            return ArchivePath(components: path + [Whiteout.opaqueEntry])
        case .whiteout:
            var bytes = ArchivePath(components: Array(path.dropLast())).bytes
            if !bytes.isEmpty { bytes.append(UInt8(ascii: "/")) }
            bytes += Whiteout.prefix.bytes + (path.last?.bytes ?? [])
            return ArchivePath(bytes: bytes)
        }
    }

    var archiveEntry: ArchiveEntry {
        ArchiveEntry(
            path: archivePath, kind: ArchiveEntry.kind(forTypeBits: mode), permissions: mode & 0o7777, uid: uid, gid: gid,
            size: hardlinkTarget == nil ? size : 0, modificationSeconds: modificationSeconds,
            modificationNanoseconds: modificationNanoseconds, symlinkTarget: symlinkTarget.map { ArchivePath(bytes: $0) },
            hardlinkTarget: hardlinkTarget.map { ArchivePath(components: $0) }, deviceMajor: deviceMajor, deviceMinor: deviceMinor,
            extendedAttributes: extendedAttributes)
    }
}
