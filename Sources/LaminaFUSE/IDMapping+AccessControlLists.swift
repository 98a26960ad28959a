import LaminaOverlay

/// POSIX ACLs through an owner mapping: the named users and groups in `system.posix_acl_access`
/// and `system.posix_acl_default` are ids, stored as the disk's and checked by the kernel as the
/// mount's, so they are mapped as file owners are (by the ranges; squashing replaces owners, not
/// the users a list names).
extension IDMapping {
    /// The value the kernel sees for attribute `name` stored as `value`; other attributes, lists
    /// that do not parse, and every value under the identity mapping pass unchanged.
    public func shownAttribute(_ name: String, _ value: [UInt8]) -> [UInt8] {
        mapList(name, value, user: { Self.toShown($0, uidRanges) }, group: { Self.toShown($0, gidRanges) })
    }

    /// The value stored for attribute `name` set by the kernel as `value`.
    public func diskAttribute(_ name: String, _ value: [UInt8]) -> [UInt8] {
        mapList(name, value, user: { Self.toDisk($0, uidRanges) }, group: { Self.toDisk($0, gidRanges) })
    }

    private func mapList(_ name: String, _ value: [UInt8], user: (UInt32) -> UInt32, group: (UInt32) -> UInt32) -> [UInt8] {
        guard !uidRanges.isEmpty || !gidRanges.isEmpty,
              name == AccessControlList.accessAttribute || name == AccessControlList.defaultAttribute,
              let list = AccessControlList(attribute: value) else { return value }
        return list.mappingIDs(user: user, group: group).attribute
    }
}
