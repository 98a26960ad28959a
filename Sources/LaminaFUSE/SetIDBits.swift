import Glibc
import LaminaSystem

/// The kernel's rules for clearing set-user-ID and set-group-ID bits, applied by the daemon.
///
/// Without FUSE_HANDLE_KILLPRIV_V2 the kernel clears them itself, with a SETATTR of the mode, but
/// first asks the daemon for security.capability before every WRITE: a FUSE super block is never
/// marked as having no privileges to drop (no SB_NOSEC). With it (`killpriv=on`, the default
/// where the kernel offers it and passthrough is off), the kernel asks once per file until its
/// attributes are next refreshed, and leaves the clearing to the daemon. The daemon writes with
/// CAP_FSETID, so the layer's file system would keep the bits: the bridge clears them through
/// these rules, which are the kernel's for a local file system (`setattr_should_drop_suidgid`,
/// `chown_common`). security.capability itself needs nothing: the layer's file system drops it on
/// any write, truncate or chown, whoever makes it.
///
/// Pure functions of a mode and a caller: safe from any thread.
enum SetIDBits {
    /// The mode a regular file should have after `caller` changed its data (write, truncate,
    /// fallocate), or nil to leave it. Nothing goes for a caller with CAP_FSETID; otherwise
    /// set-user-ID goes, and set-group-ID as `groupBitGoes` says. `caller` nil (gone, unreadable,
    /// or the kernel's own request) counts as one without privileges.
    static func afterDataChange(mode: mode_t, group: gid_t, by caller: ProcessPrivileges?) -> mode_t? {
        guard mode & S_IFMT == S_IFREG, caller?.holdsFileSetID != true else { return nil }
        return cleared(mode, setGroupID: groupBitGoes(mode: mode, group: group, by: caller))
    }

    /// The mode a file should have after `caller` changed its owner or group (also a chown that
    /// names neither, chown(f, -1, -1)), or nil to leave it: set-user-ID goes from a non-directory
    /// whoever asks, set-group-ID as `groupBitGoes` says (`chown_common`).
    static func afterOwnerChange(mode: mode_t, group: gid_t, by caller: ProcessPrivileges?) -> mode_t? {
        guard mode & S_IFMT != S_IFDIR else { return nil }
        return cleared(mode, setGroupID: groupBitGoes(mode: mode, group: group, by: caller))
    }

    /// The mode a file should have after `caller` set its access ACL, or nil to leave it:
    /// set-group-ID goes when the caller is neither in the file's group nor holds CAP_FSETID,
    /// whatever the group may do and whatever the file's type (`posix_acl_update_mode`).
    static func afterAccessListChange(mode: mode_t, group: gid_t, by caller: ProcessPrivileges?) -> mode_t? {
        guard mode & S_ISGID != 0, !isInGroupOrCapable(group, caller) else { return nil }
        return mode & ~S_ISGID & 0o7777
    }

    /// Set-group-ID goes when the group may execute, or when the caller is neither in the file's
    /// group nor holds CAP_FSETID (`setattr_should_drop_sgid`).
    static func groupBitGoes(mode: mode_t, group: gid_t, by caller: ProcessPrivileges?) -> Bool {
        guard mode & S_ISGID != 0 else { return false }
        if mode & S_IXGRP != 0 { return true }
        return !isInGroupOrCapable(group, caller)
    }

    /// The kernel's `in_group_or_capable`: the caller acts with `group` or holds CAP_FSETID. A
    /// caller that could not be read is neither.
    private static func isInGroupOrCapable(_ group: gid_t, _ caller: ProcessPrivileges?) -> Bool {
        guard let caller else { return false }
        return caller.holdsFileSetID || caller.groups.contains(group)
    }

    /// `mode` without set-user-ID, and without set-group-ID if `setGroupID`; nil if unchanged.
    private static func cleared(_ mode: mode_t, setGroupID: Bool) -> mode_t? {
        var result = mode & ~S_ISUID
        if setGroupID { result &= ~S_ISGID }
        return result == mode ? nil : result & 0o7777
    }
}
