import Glibc

/// How owners on disk are shown through the mount, and how owners the kernel asks for are stored:
/// fuse-overlayfs's `uidmapping=`/`gidmapping=` and `squash_to_*` options.
///
/// A range `disk:shown:count` shows on-disk ids `disk..<disk+count` as `shown..<shown+count`;
/// ids outside every range show as the overflow id (65534), as in a user namespace. Squashing
/// replaces the shown owner of every file and leaves what is stored alone. Immutable value.
public struct IDMapping: Sendable, Equatable {
    /// One contiguous range of a mapping.
    public struct Range: Sendable, Equatable {
        public var disk: UInt32
        public var shown: UInt32
        public var count: UInt32
        public init(disk: UInt32, shown: UInt32, count: UInt32) {
            self.disk = disk
            self.shown = shown
            self.count = count
        }
    }

    public static let overflowID: UInt32 = 65534

    public var uidRanges: [Range] = []
    public var gidRanges: [Range] = []
    public var squashUID: UInt32?
    public var squashGID: UInt32?

    public init() {}

    /// True when nothing is mapped or squashed: attributes pass through untouched.
    public var isIdentity: Bool {
        uidRanges.isEmpty && gidRanges.isEmpty && squashUID == nil && squashGID == nil
    }

    /// The owner the kernel sees for an on-disk owner.
    public func shownUID(_ id: uid_t) -> uid_t { squashUID ?? Self.toShown(id, uidRanges) }
    public func shownGID(_ id: gid_t) -> gid_t { squashGID ?? Self.toShown(id, gidRanges) }

    /// The owner stored on disk for an owner the kernel names (a caller, or a chown).
    public func diskUID(_ id: uid_t) -> uid_t { Self.toDisk(id, uidRanges) }
    public func diskGID(_ id: gid_t) -> gid_t { Self.toDisk(id, gidRanges) }

    /// Rewrites the owner fields of attributes about to be sent to the kernel.
    public func shown(_ attributes: stat) -> stat {
        if isIdentity { return attributes }
        var result = attributes
        result.st_uid = shownUID(attributes.st_uid)
        result.st_gid = shownGID(attributes.st_gid)
        return result
    }

    /// Parses fuse-overlayfs's `disk:shown:count[:disk:shown:count...]` form. Empty fields are
    /// skipped, as fuse-overlayfs's strtok does: containers/storage writes each range as
    /// `:disk:shown:count`, so podman passes `uidmapping=:0:1:1000`.
    public static func ranges(parsing text: String, option: String) throws(MountError) -> [Range] {
        let fields = text.split(separator: ":")
        guard !fields.isEmpty, fields.count % 3 == 0 else {
            throw MountError(.usage, "invalid \(option)=\(text): expected ID:MAPPED-ID:COUNT triples separated by ':'")
        }
        var ranges: [Range] = []
        var index = 0
        while index < fields.count {
            guard let disk = UInt32(fields[index]), let shown = UInt32(fields[index + 1]),
                  let count = UInt32(fields[index + 2]), count > 0 else {
                throw MountError(.usage, "invalid \(option)=\(text): expected ID:MAPPED-ID:COUNT triples of numbers")
            }
            ranges.append(Range(disk: disk, shown: shown, count: count))
            index += 3
        }
        return ranges
    }

    static func toShown(_ id: UInt32, _ ranges: [Range]) -> UInt32 {
        if ranges.isEmpty { return id }
        for range in ranges where id >= range.disk && id - range.disk < range.count {
            return range.shown + (id - range.disk)
        }
        return overflowID
    }

    static func toDisk(_ id: UInt32, _ ranges: [Range]) -> UInt32 {
        if ranges.isEmpty { return id }
        for range in ranges where id >= range.shown && id - range.shown < range.count {
            return range.disk + (id - range.shown)
        }
        return overflowID
    }
}
