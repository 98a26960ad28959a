import CFuse
import Glibc
import LaminaOverlay
import LaminaSystem

/// Attribute operations: getattr, setattr (chmod, chown, truncate, utimens) and statfs.
extension Bridge {
    static func getAttributes(_ request: fuse_req_t?, _ node: fuse_ino_t, _ file: UnsafeMutablePointer<fuse_file_info>?) {
        handle(request, "getattr node=\(node)") { bridge in
            var attributes = bridge.shown(try bridge.overlay.attributes(of: NodeID(node)))
            fuse_reply_attr(request, &attributes, bridge.timeout)
        }
    }

    static func setAttributes(
        _ request: fuse_req_t?, _ node: fuse_ino_t, _ attributes: UnsafeMutablePointer<stat>?, _ toSet: Int32,
        _ file: UnsafeMutablePointer<fuse_file_info>?
    ) {
        handle(request, "setattr node=\(node) to_set=\(String(toSet, radix: 16))") { bridge in
            guard let requested = attributes?.pointee else { throw SystemError("setattr", errno: EINVAL) }
            let changes = bridge.changes(requested, toSet)
            // A truncate would change the data opens passed through to a lower file still read.
            if changes.size != nil && bridge.passthrough.isActive && bridge.passthrough.files.holdsLowerFile(node) {
                throw SystemError("truncate (passed through to a lower file)", errno: ETXTBSY)
            }
            var changed = try bridge.overlay.setAttributes(of: NodeID(node), changes, handle: file?.pointee.fh)
            if let mode = bridge.setIDMode(after: changes, of: changed, for: request) {
                changed = try bridge.changeMode(of: NodeID(node), to: mode, handle: file?.pointee.fh)
            }
            var result = bridge.shown(changed)
            fuse_reply_attr(request, &result, bridge.timeout)
        }
    }

    /// With handle_killpriv_v2 negotiated, the mode a setattr's file must get once `changes` made
    /// it `changed` (`SetIDBits`): a truncate clears set-ID bits as a write does; a chown clears
    /// them, and so does a setattr that changes nothing. The kernel sends that one for
    /// chown(f, -1, -1), and to have the bits cleared before a write or fallocate by a caller
    /// without CAP_FSETID (its `__remove_privs`, whose mode change FUSE drops under
    /// handle_killpriv_v2); for such a caller the two rules agree. Clearing the bits there, rather
    /// than only at the WRITE, puts the new mode into the kernel's cache through this reply: a
    /// WRITE's reply carries no attributes, and an exec right after the write would otherwise
    /// still see the bits. Nil to leave the mode, and always when the setattr set the mode itself.
    func setIDMode(after changes: AttributeChanges, of changed: stat, for request: fuse_req_t?) -> mode_t? {
        guard clearsSetIDBits.load(ordering: .acquiring), changes.mode == nil,
              changed.st_mode & (S_ISUID | S_ISGID) != 0 else { return nil }
        let changesNothing = changes.size == nil && changes.accessTime == nil && changes.modificationTime == nil
        let ownerChange = changes.uid != nil || changes.gid != nil || changesNothing
        guard ownerChange || changes.size != nil else { return nil }
        let caller = privileges(of: request)
        let group = shown(changed).st_gid
        return ownerChange
            ? SetIDBits.afterOwnerChange(mode: changed.st_mode, group: group, by: caller)
            : SetIDBits.afterDataChange(mode: changed.st_mode, group: group, by: caller)
    }

    /// Sets only the mode of `node` (the set-ID bits the bridge clears on the kernel's behalf);
    /// returns its attributes afterwards.
    @discardableResult
    func changeMode(of node: NodeID, to mode: mode_t, handle: UInt64?) throws -> stat {
        var changes = AttributeChanges()
        changes.mode = mode
        return try overlay.setAttributes(of: node, changes, handle: handle)
    }

    /// Decodes setattr's `to_set` bits; owners the kernel names are mapped back to disk owners.
    func changes(_ requested: stat, _ toSet: Int32) -> AttributeChanges {
        func has(_ bit: Int32) -> Bool { toSet & bit != 0 }
        var changes = AttributeChanges()
        if has(lamina_fuse_set_attr_mode()) { changes.mode = requested.st_mode }
        if has(lamina_fuse_set_attr_uid()) { changes.uid = idMapping.diskUID(requested.st_uid) }
        if has(lamina_fuse_set_attr_gid()) { changes.gid = idMapping.diskGID(requested.st_gid) }
        if has(lamina_fuse_set_attr_size()) { changes.size = requested.st_size }
        if has(lamina_fuse_set_attr_atime_now()) {
            changes.accessTime = .now
        } else if has(lamina_fuse_set_attr_atime()) {
            changes.accessTime = .set(requested.st_atim)
        }
        if has(lamina_fuse_set_attr_mtime_now()) {
            changes.modificationTime = .now
        } else if has(lamina_fuse_set_attr_mtime()) {
            changes.modificationTime = .set(requested.st_mtim)
        }
        return changes
    }

    static func statistics(_ request: fuse_req_t?, _ node: fuse_ino_t) {
        handle(request, "statfs node=\(node)") { bridge in
            var statistics = try bridge.overlay.statistics(of: NodeID(node))
            fuse_reply_statfs(request, &statistics)
        }
    }
}
