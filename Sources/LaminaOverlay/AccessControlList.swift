import Glibc

/// A POSIX access control list in the kernel's extended attribute form, as
/// `system.posix_acl_access` and `system.posix_acl_default` hold it: a little-endian version
/// (2), then one 8-byte entry per line of the list (tag, permission bits, user or group id).
///
/// It exists for the two things Lamina must do with a list rather than pass it through: give a
/// new entry what a directory's default list says it gets (the kernel's rule for a local file
/// system, which kernel overlayfs applies to every entry it makes, also the ones it makes in its
/// work directory), and rewrite the ids in a list for an owner mapping (`uidmapping=`).
///
/// Immutable value; safe from any thread.
public struct AccessControlList: Sendable, Equatable {
    /// One line of a list.
    public struct Entry: Sendable, Equatable {
        public var tag: UInt16
        public var permissions: UInt16
        /// A user id for `Tag.user`, a group id for `Tag.group`; ignored for the other tags.
        public var id: UInt32
        public init(tag: UInt16, permissions: UInt16, id: UInt32 = UInt32.max) {
            self.tag = tag
            self.permissions = permissions
            self.id = id
        }
    }

    /// The tags of the kernel's `posix_acl_xattr.h`.
    public enum Tag {
        public static let owner: UInt16 = 0x01
        public static let user: UInt16 = 0x02
        public static let owningGroup: UInt16 = 0x04
        public static let group: UInt16 = 0x08
        public static let mask: UInt16 = 0x10
        public static let other: UInt16 = 0x20
    }

    public static let accessAttribute = "system.posix_acl_access"
    public static let defaultAttribute = "system.posix_acl_default"
    static let version: UInt32 = 2
    static let entrySize = 8

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Parses an attribute's value; nil unless it is version 2 followed by whole entries.
    public init?(attribute bytes: [UInt8]) {
        guard bytes.count >= 4, (bytes.count - 4) % Self.entrySize == 0,
              Self.word(bytes, at: 0) == Self.version else { return nil }
        entries = stride(from: 4, to: bytes.count, by: Self.entrySize).map { offset in
            Entry(tag: Self.half(bytes, at: offset), permissions: Self.half(bytes, at: offset + 2), id: Self.word(bytes, at: offset + 4))
        }
    }

    /// The attribute's value for these entries.
    public var attribute: [UInt8] {
        var bytes = Self.littleEndian(Self.version)
        bytes.reserveCapacity(4 + entries.count * Self.entrySize)
        for entry in entries {
            bytes += Self.littleEndian(UInt32(entry.tag) | UInt32(entry.permissions) << 16)
            bytes += Self.littleEndian(entry.id)
        }
        return bytes
    }

    /// What a new entry gets in a directory whose default list this is.
    public struct Inheritance: Sendable, Equatable {
        /// The new entry's set-ID, sticky and permission bits.
        public var mode: mode_t
        /// Its access list, where the mode bits cannot say it all (named users or groups, a mask).
        public var access: AccessControlList?
        /// Its default list: a new directory inherits its parent's.
        public var defaults: AccessControlList?
    }

    /// The kernel's `posix_acl_create` for a new entry of `type` asking for `mode` (without the
    /// caller's umask, which a default list replaces): each permission class of the list is
    /// narrowed to what `mode` grants that class and the mode to what the list grants it; the
    /// group class is the mask where there is one, else the owning group. Nil for a list without
    /// an owner, a group class or an "other" entry, which no file system stores.
    public func inherited(by mode: mode_t, type: mode_t) -> Inheritance? {
        var list = self
        var owner: UInt16 = UInt16((mode >> 6) & 0o7)
        var groupClass: UInt16 = UInt16((mode >> 3) & 0o7)
        var other: UInt16 = UInt16(mode & 0o7)
        var named = false
        var maskIndex: Int?
        var owningGroupIndex: Int?
        var seen: (owner: Bool, other: Bool) = (false, false)
        for index in list.entries.indices {
            switch list.entries[index].tag {
            case Tag.owner:
                list.entries[index].permissions &= owner
                owner &= list.entries[index].permissions
                seen.owner = true
            case Tag.other:
                list.entries[index].permissions &= other
                other &= list.entries[index].permissions
                seen.other = true
            case Tag.user, Tag.group: named = true
            case Tag.mask:
                maskIndex = index
                named = true
            case Tag.owningGroup: owningGroupIndex = index
            default: return nil
            }
        }
        guard seen.owner, seen.other, let classIndex = maskIndex ?? owningGroupIndex else { return nil }
        list.entries[classIndex].permissions &= groupClass
        groupClass &= list.entries[classIndex].permissions
        let permissions = mode_t(owner) << 6 | mode_t(groupClass) << 3 | mode_t(other)
        return Inheritance(mode: (mode & 0o7000) | permissions,
                           access: named ? list : nil,
                           defaults: type == S_IFDIR ? self : nil)
    }

    /// The same list with each named user's id passed through `user` and each named group's
    /// through `group`.
    public func mappingIDs(user: (UInt32) -> UInt32, group: (UInt32) -> UInt32) -> AccessControlList {
        AccessControlList(entries: entries.map { entry in
            var mapped = entry
            if entry.tag == Tag.user { mapped.id = user(entry.id) }
            if entry.tag == Tag.group { mapped.id = group(entry.id) }
            return mapped
        })
    }

    private static func half(_ bytes: [UInt8], at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func word(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(half(bytes, at: offset)) | UInt32(half(bytes, at: offset + 2)) << 16
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }
}
