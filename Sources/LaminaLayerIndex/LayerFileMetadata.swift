#if canImport(Glibc)
import Glibc
#endif

/// What `stat` shows of one file of a layer, as its unpacked copy would show it.
///
/// The access and change times of an unpacked file are its modification time (the store sets
/// them so), so only the modification time is kept. Immutable value.
public struct LayerFileMetadata: Sendable, Equatable {
    public var kind: LayerEntryKind
    /// Permission bits with setuid, setgid and sticky (no file type bits).
    public var permissions: mode_t
    public var uid: uid_t
    public var gid: gid_t
    /// Bytes of a regular file, of a symbolic link's target; 0 otherwise.
    public var size: Int64
    public var modificationSeconds: Int64
    public var modificationNanoseconds: UInt32
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32
    /// Names of this file within the layer (hard links; a directory counts as 1).
    public var linkCount: UInt32

    public init(
        kind: LayerEntryKind, permissions: mode_t, uid: uid_t = 0, gid: gid_t = 0, size: Int64 = 0,
        modificationSeconds: Int64 = 0, modificationNanoseconds: UInt32 = 0,
        deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0, linkCount: UInt32 = 1
    ) {
        self.kind = kind
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.size = size
        self.modificationSeconds = modificationSeconds
        self.modificationNanoseconds = modificationNanoseconds
        self.deviceMajor = deviceMajor
        self.deviceMinor = deviceMinor
        self.linkCount = linkCount
    }

    /// `st_mode`: file type bits and permissions.
    public var mode: mode_t { kind.fileTypeBits | (permissions & 0o7777) }

    public var modificationTime: timespec {
        timespec(tv_sec: Int(modificationSeconds), tv_nsec: Int(modificationNanoseconds))
    }
}
