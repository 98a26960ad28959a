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
    /// fallocate), or nil to leave it. Set-user-ID goes; set-group-ID goes if the group may
    /// execute, or if the caller is not in the file's group. Nothing goes for a caller with
    /// CAP_FSETID. `caller` nil (gone, unreadable, or the kernel's own request) counts as one
    /// without privileges.
    static func afterDataChange(mode: mode_t, group: gid_t, by caller: ProcessPrivileges?) -> mode_t? {
        guard mode & S_IFMT == S_IFREG, mode & (S_ISUID | S_ISGID) != 0 else { return nil }
        if caller?.holdsFileSetID == true { return nil }
        var cleared = mode & ~S_ISUID
        if mode & S_ISGID != 0, mode & S_IXGRP != 0 || !(caller?.groups.contains(group) ?? false) {
            cleared &= ~S_ISGID
        }
        return cleared == mode ? nil : cleared & 0o7777
    }

    /// The mode a file should have after its owner or group changed, or nil to leave it:
    /// set-user-ID always goes from a non-directory, set-group-ID when the group may execute.
    static func afterOwnerChange(mode: mode_t) -> mode_t? {
        guard mode & S_IFMT != S_IFDIR, mode & (S_ISUID | S_ISGID) != 0 else { return nil }
        var cleared = mode & ~S_ISUID
        if mode & S_IXGRP != 0 { cleared &= ~S_ISGID }
        return cleared == mode ? nil : cleared & 0o7777
    }
}
