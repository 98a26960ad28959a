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
            var result = bridge.shown(try bridge.overlay.setAttributes(of: NodeID(node), changes, handle: file?.pointee.fh))
            fuse_reply_attr(request, &result, bridge.timeout)
        }
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
