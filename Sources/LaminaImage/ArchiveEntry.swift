#if canImport(Glibc)
import Glibc
#endif

/// One archive member's header, copied out of libarchive so it outlives the next read.
///
/// Immutable value.
package struct ArchiveEntry: Sendable {
    package enum Kind: Sendable, Equatable {
        case regular, directory, symbolicLink, characterDevice, blockDevice, fifo, socket, unknown
    }

    /// The member's path as the header holds it (bytes).
    package var path: ArchivePath
    package var kind: Kind
    /// Permission bits including setuid, setgid and sticky (no file type bits).
    package var permissions: mode_t
    package var uid: uid_t
    package var gid: gid_t
    package var size: Int64
    package var modificationSeconds: Int
    package var modificationNanoseconds: Int
    /// The target of a symbolic link (bytes, not necessarily a path in the archive).
    package var symlinkTarget: ArchivePath?
    /// The archive path a hard link points at.
    package var hardlinkTarget: ArchivePath?
    package var deviceMajor: UInt32
    package var deviceMinor: UInt32
    package var extendedAttributes: [(name: String, value: [UInt8])]

    package init(
        path: ArchivePath, kind: Kind, permissions: mode_t = 0o644, uid: uid_t = 0, gid: gid_t = 0, size: Int64 = 0,
        modificationSeconds: Int = 0, modificationNanoseconds: Int = 0, symlinkTarget: ArchivePath? = nil,
        hardlinkTarget: ArchivePath? = nil, deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0,
        extendedAttributes: [(name: String, value: [UInt8])] = []
    ) {
        self.path = path
        self.kind = kind
        self.permissions = permissions
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

    package var modificationTime: timespec { timespec(tv_sec: modificationSeconds, tv_nsec: modificationNanoseconds) }

    /// The `S_IF*` bits for this kind.
    package var fileTypeBits: mode_t {
        switch kind {
        case .regular, .unknown: S_IFREG
        case .directory: S_IFDIR
        case .symbolicLink: S_IFLNK
        case .characterDevice: S_IFCHR
        case .blockDevice: S_IFBLK
        case .fifo: S_IFIFO
        case .socket: S_IFSOCK
        }
    }

    /// The kind named by the `S_IF*` bits of a mode.
    package static func kind(forTypeBits bits: mode_t) -> Kind {
        switch bits & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        case S_IFLNK: .symbolicLink
        case S_IFCHR: .characterDevice
        case S_IFBLK: .blockDevice
        case S_IFIFO: .fifo
        case S_IFSOCK: .socket
        default: .unknown
        }
    }
}
