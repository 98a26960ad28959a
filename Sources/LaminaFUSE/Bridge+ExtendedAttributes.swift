import CFuse
import Glibc
import LaminaOverlay
import LaminaSystem

/// Extended attribute operations. getxattr and listxattr follow the size-probe protocol: a
/// request with size 0 is answered with the size needed, a too-small buffer with ERANGE.
extension Bridge {
    static func setExtendedAttribute(
        _ request: fuse_req_t?, _ node: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ value: UnsafePointer<CChar>?,
        _ size: Int, _ flags: Int32
    ) {
        handle(request, "setxattr node=\(node) name=\(text(name)) size=\(size)") { bridge in
            try bridge.requireExtendedAttributes()
            let bytes = value.map { pointer in
                UnsafeRawBufferPointer(start: pointer, count: size).map { $0 }
            } ?? []
            let name = try Bridge.attributeName(name)
            try bridge.overlay.setExtendedAttribute(NodeID(node), name: name, value: bridge.idMapping.diskAttribute(name, bytes), flags: flags)
            if name == AccessControlList.accessAttribute {
                try bridge.clearSetGroupIDAfterAccessList(of: NodeID(node), for: request)
            }
            fuse_reply_err(request, 0)
        }
    }

    static func extendedAttribute(_ request: fuse_req_t?, _ node: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ size: Int) {
        handle(request, "getxattr node=\(node) name=\(text(name)) size=\(size)") { bridge in
            try bridge.requireExtendedAttributes()
            let name = try Bridge.attributeName(name)
            let value = try bridge.overlay.extendedAttribute(NodeID(node), name: name)
            replySized(request, bridge.idMapping.shownAttribute(name, value), size)
        }
    }

    static func extendedAttributeNames(_ request: fuse_req_t?, _ node: fuse_ino_t, _ size: Int) {
        handle(request, "listxattr node=\(node) size=\(size)") { bridge in
            guard bridge.extendedAttributes else {
                replySized(request, [], size)
                return
            }
            var list: [UInt8] = []
            for name in try bridge.overlay.extendedAttributeNames(NodeID(node)) {
                list.append(contentsOf: name.utf8)
                list.append(0)
            }
            replySized(request, list, size)
        }
    }

    static func removeExtendedAttribute(_ request: fuse_req_t?, _ node: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
        handle(request, "removexattr node=\(node) name=\(text(name))") { bridge in
            try bridge.requireExtendedAttributes()
            try bridge.overlay.removeExtendedAttribute(NodeID(node), name: try Bridge.attributeName(name))
            fuse_reply_err(request, 0)
        }
    }

    /// With POSIX ACLs checked by the kernel, setting an access ACL clears set-group-ID when the
    /// caller is neither in the file's group nor holds CAP_FSETID, as on a local file system
    /// (`posix_acl_update_mode`). The kernel says so only through FUSE_SETXATTR_EXT, which
    /// libfuse 3.14 does not negotiate, and the daemon's own setxattr keeps the bit (it holds
    /// CAP_FSETID): the bridge applies the rule (`SetIDBits.afterAccessListChange`).
    private func clearSetGroupIDAfterAccessList(of node: NodeID, for request: fuse_req_t?) throws {
        guard checksAccessControlLists.load(ordering: .acquiring) else { return }
        let status = try overlay.attributes(of: node)
        guard status.st_mode & S_ISGID != 0,
              let mode = SetIDBits.afterAccessListChange(mode: status.st_mode, group: shown(status).st_gid, by: privileges(of: request))
        else { return }
        try changeMode(of: node, to: mode, handle: nil)
    }

    private func requireExtendedAttributes() throws {
        if !extendedAttributes { throw SystemError("xattr", errno: ENOTSUP) }
    }

    /// Size 0 asks how much is needed; a smaller buffer than the value is ERANGE.
    private static func replySized(_ request: fuse_req_t?, _ bytes: [UInt8], _ size: Int) {
        if size == 0 {
            fuse_reply_xattr(request, bytes.count)
        } else if bytes.count > size {
            fuse_reply_err(request, ERANGE)
        } else {
            bytes.withUnsafeBytes { buffer in
                _ = fuse_reply_buf(request, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), buffer.count)
            }
        }
    }
}
