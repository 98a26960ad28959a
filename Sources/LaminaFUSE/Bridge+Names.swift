import CFuse
import Glibc
import LaminaOverlay
import LaminaSystem

/// Name operations: lookup and forget, creating and removing names, rename, readlink.
extension Bridge {
    static func lookup(_ request: fuse_req_t?, _ parent: fuse_ino_t, _ namePointer: UnsafePointer<CChar>?) {
        handle(request, "lookup parent=\(parent) name=\(text(namePointer))") { bridge in
            let name: FileName
            do {
                name = try Bridge.name(namePointer)
            } catch {
                throw SystemError("lookup", errno: ENOENT)
            }
            do {
                bridge.replyEntry(request, try bridge.overlay.lookup(parent: NodeID(parent), name: name))
            } catch let error as SystemError where error.errno == ENOENT {
                // A negative entry the kernel caches as long as a positive one: the name cannot
                // appear except through this mount.
                var negative = fuse_entry_param()
                negative.ino = 0
                negative.entry_timeout = bridge.timeout
                negative.attr_timeout = bridge.timeout
                fuse_reply_entry(request, &negative)
            }
        }
    }

    static func forget(_ request: fuse_req_t?, _ node: fuse_ino_t, _ lookups: UInt64) {
        if let bridge = of(request) {
            bridge.logger.trace("forget node=\(node) lookups=\(lookups)")
            bridge.overlay.forget(NodeID(node), lookups: lookups)
        }
        fuse_reply_none(request)
    }

    static func forgetMany(_ request: fuse_req_t?, _ count: Int, _ forgets: UnsafeMutablePointer<fuse_forget_data>?) {
        if let bridge = of(request), let forgets {
            bridge.logger.trace("forget_multi count=\(count)")
            for item in UnsafeBufferPointer(start: forgets, count: count) {
                bridge.overlay.forget(NodeID(item.ino), lookups: item.nlookup)
            }
        }
        fuse_reply_none(request)
    }

    static func readLink(_ request: fuse_req_t?, _ node: fuse_ino_t) {
        handle(request, "readlink node=\(node)") { bridge in
            var target = try bridge.overlay.readLink(NodeID(node))
            target.append(0)
            target.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { _ = fuse_reply_readlink(request, $0.baseAddress) }
            }
        }
    }

    static func makeNode(_ request: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ mode: mode_t, _ device: dev_t) {
        handle(request, "mknod parent=\(parent) name=\(text(name)) mode=\(String(mode, radix: 8))") { bridge in
            let entry = try bridge.overlay.makeNode(
                parent: NodeID(parent), name: try Bridge.name(name), mode: mode, device: device, caller: bridge.caller(request))
            bridge.replyEntry(request, entry)
        }
    }

    static func makeDirectory(_ request: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ mode: mode_t) {
        handle(request, "mkdir parent=\(parent) name=\(text(name)) mode=\(String(mode, radix: 8))") { bridge in
            let entry = try bridge.overlay.makeDirectory(
                parent: NodeID(parent), name: try Bridge.name(name), mode: mode, caller: bridge.caller(request))
            bridge.replyEntry(request, entry)
        }
    }

    static func makeSymbolicLink(_ request: fuse_req_t?, _ target: UnsafePointer<CChar>?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
        handle(request, "symlink parent=\(parent) name=\(text(name))") { bridge in
            guard let target else { throw SystemError("symlink", errno: EINVAL) }
            let bytes = Array(UnsafeBufferPointer(start: target, count: strlen(target))).map { UInt8(bitPattern: $0) }
            let entry = try bridge.overlay.makeSymbolicLink(
                parent: NodeID(parent), name: try Bridge.name(name), target: bytes, caller: bridge.caller(request))
            bridge.replyEntry(request, entry)
        }
    }

    static func link(_ request: fuse_req_t?, _ node: fuse_ino_t, _ newParent: fuse_ino_t, _ newName: UnsafePointer<CChar>?) {
        handle(request, "link node=\(node) newparent=\(newParent) name=\(text(newName))") { bridge in
            let entry = try bridge.overlay.link(NodeID(node), newParent: NodeID(newParent), newName: try Bridge.name(newName))
            bridge.replyEntry(request, entry)
        }
    }

    static func removeFile(_ request: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
        handle(request, "unlink parent=\(parent) name=\(text(name))") { bridge in
            try bridge.overlay.removeFile(parent: NodeID(parent), name: try Bridge.name(name))
            fuse_reply_err(request, 0)
        }
    }

    static func removeDirectory(_ request: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
        handle(request, "rmdir parent=\(parent) name=\(text(name))") { bridge in
            try bridge.overlay.removeDirectory(parent: NodeID(parent), name: try Bridge.name(name))
            fuse_reply_err(request, 0)
        }
    }

    static func rename(
        _ request: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?,
        _ newParent: fuse_ino_t, _ newName: UnsafePointer<CChar>?, _ flags: UInt32
    ) {
        handle(request, "rename parent=\(parent) name=\(text(name)) newparent=\(newParent) newname=\(text(newName)) flags=\(flags)") { bridge in
            try bridge.overlay.rename(
                parent: NodeID(parent), name: try Bridge.name(name),
                newParent: NodeID(newParent), newName: try Bridge.name(newName), flags: RenameFlags(rawValue: flags))
            fuse_reply_err(request, 0)
        }
    }
}
