import CFuse
import CFuseTransport
import Glibc
import LaminaOverlay
import LaminaSystem

/// File operations: open and create, read (spliced from the layer's descriptor), write, release,
/// fsync and fallocate (no flush: see `LowLevelOperations`). Handle 0 means the kernel opened the
/// file without an OPEN request (no-open mode): the engine then opens the node for the one call.
extension Bridge {
    static func open(_ request: fuse_req_t?, _ node: fuse_ino_t, _ file: UnsafeMutablePointer<fuse_file_info>?) {
        handle(request, "open node=\(node) flags=\(String(file?.pointee.flags ?? 0, radix: 8))") { bridge in
            guard let file else { throw SystemError("open", errno: EINVAL) }
            // The kernel then stops sending OPEN and RELEASE for files (see `opensWithoutRequests`).
            if bridge.opensWithoutRequests.load(ordering: .acquiring) { throw SystemError("open", errno: ENOSYS) }
            let flags = file.pointee.flags
            let writing = flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0
            // Checked before the engine copies the file up for a writer it cannot pass through.
            if writing && bridge.passthrough.isActive && bridge.passthrough.files.holdsLowerFile(node) {
                throw SystemError("open (passed through to a lower file)", errno: ETXTBSY)
            }
            let opened = try bridge.overlay.open(NodeID(node), flags: flags)
            try bridge.replyOpened(request, node: node, opened, writing: writing, file: file) { backing in
                lamina_transport_reply_open(request, file, backing)
            }
        }
    }

    static func create(
        _ request: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ mode: mode_t,
        _ file: UnsafeMutablePointer<fuse_file_info>?
    ) {
        handle(request, "create parent=\(parent) name=\(text(name)) mode=\(String(mode, radix: 8))") { bridge in
            guard let file else { throw SystemError("create", errno: EINVAL) }
            // In no-open mode the kernel sends no RELEASE for a created file either: keep nothing open.
            let (entry, opened) = try bridge.overlay.create(
                parent: NodeID(parent), name: try Bridge.name(name), mode: mode, flags: file.pointee.flags,
                caller: bridge.caller(request), keepOpen: !bridge.opensWithoutRequests.load(ordering: .acquiring))
            var parameters = bridge.entryParameters(entry)
            let writing = file.pointee.flags & O_ACCMODE != O_RDONLY
            do {
                try bridge.replyOpened(request, node: fuse_ino_t(entry.node), opened, writing: writing, file: file) { backing in
                    lamina_transport_reply_create(request, &parameters, file, backing)
                }
            } catch {
                bridge.overlay.forget(entry.node, lookups: 1)
                throw error
            }
        }
    }

    static func read(
        _ request: fuse_req_t?, _ node: fuse_ino_t, _ size: Int, _ offset: off_t, _ file: UnsafeMutablePointer<fuse_file_info>?
    ) {
        handle(request, "read node=\(node) size=\(size) offset=\(offset)") { bridge in
            let result = try bridge.overlay.withReadDescriptor(handle: file?.pointee.fh ?? 0, node: NodeID(node)) {
                lamina_transport_reply_fd_data(request, $0, size, offset)
            }
            if result != 0 { bridge.logger.trace("read node=\(node) reply -> \(result)") }
        }
    }

    static func write(
        _ request: fuse_req_t?, _ node: fuse_ino_t, _ buffers: UnsafeMutablePointer<fuse_bufvec>?, _ offset: off_t,
        _ file: UnsafeMutablePointer<fuse_file_info>?
    ) {
        handle(request, "write node=\(node) offset=\(offset)") { bridge in
            guard let buffers else { throw SystemError("write", errno: EINVAL) }
            let written = try bridge.overlay.withDescriptor(handle: file?.pointee.fh ?? 0, node: NodeID(node), writing: true) {
                try bridge.clearSetIDBits(descriptor: $0, for: request)
                return lamina_fuse_write_to_fd(buffers, $0, offset)
            }
            guard written >= 0 else { throw SystemError("write", errno: Int32(-written)) }
            fuse_reply_write(request, Int(written))
        }
    }

    static func release(_ request: fuse_req_t?, _ node: fuse_ino_t, _ file: UnsafeMutablePointer<fuse_file_info>?) {
        handle(request, "release node=\(node)") { bridge in
            if let handle = file?.pointee.fh, handle != 0 {
                bridge.overlay.release(handle)
                if bridge.passthrough.isActive { bridge.passthrough.detach(node: node) }
            }
            fuse_reply_err(request, 0)
        }
    }

    static func synchronize(_ request: fuse_req_t?, _ node: fuse_ino_t, _ dataOnly: Int32, _ file: UnsafeMutablePointer<fuse_file_info>?) {
        handle(request, "fsync node=\(node) datasync=\(dataOnly)") { bridge in
            if bridge.synchronizes {
                try bridge.overlay.synchronize(handle: file?.pointee.fh ?? 0, node: NodeID(node), dataOnly: dataOnly != 0)
            }
            fuse_reply_err(request, 0)
        }
    }

    static func allocate(
        _ request: fuse_req_t?, _ node: fuse_ino_t, _ mode: Int32, _ offset: off_t, _ length: off_t,
        _ file: UnsafeMutablePointer<fuse_file_info>?
    ) {
        handle(request, "fallocate node=\(node) mode=\(mode) offset=\(offset) length=\(length)") { bridge in
            try bridge.overlay.allocate(handle: file?.pointee.fh ?? 0, node: NodeID(node), mode: mode, offset: offset, length: length) {
                try bridge.clearSetIDBits(descriptor: $0, for: request)
            }
            fuse_reply_err(request, 0)
        }
    }
}

extension Bridge {
    /// Replies to an open or create with `reply` (given the backing id, 0 for none) and, where
    /// passthrough is on, the backing file the kernel should read and write itself (`Passthrough`).
    /// If the kernel does not take the reply, the handle is released again; an open that cannot
    /// share the node's backing file is refused with ETXTBSY (thrown, after releasing the handle).
    func replyOpened(
        _ request: fuse_req_t?, node: fuse_ino_t, _ opened: OpenedFile, writing: Bool,
        file: UnsafeMutablePointer<fuse_file_info>, reply: (Int32) -> Int32
    ) throws {
        file.pointee.fh = opened.handle
        guard passthrough.isActive, opened.handle != 0 else {
            lamina_fuse_file_info_set_keep_cache(file, opened.keepCache ? 1 : 0)
            if reply(0) != 0 { overlay.release(opened.handle) }
            return
        }
        let answer = passthrough.attach(node: node, upper: opened.upper, writing: writing) {
            try overlay.descriptor(for: opened.handle)
        }
        let sent: Int32
        switch answer {
        case .busy:
            overlay.release(opened.handle)
            throw SystemError("open (passed through to a lower file)", errno: ETXTBSY)
        case .cached:
            lamina_fuse_file_info_set_keep_cache(file, opened.keepCache ? 1 : 0)
            sent = reply(0)
        case .passthrough(let id):
            lamina_fuse_file_info_set_keep_cache(file, 0)
            sent = reply(id)
        }
        if sent != 0 {
            overlay.release(opened.handle)
            passthrough.detach(node: node)
        }
    }
}

extension Bridge {
    /// With handle_killpriv_v2 negotiated, clears the set-ID bits of the file open as `descriptor`
    /// (in the upper layer: it is open for writing) before the caller of `request` changes its
    /// data, as the kernel would have (`SetIDBits`). The caller's privileges are read only for a
    /// file that has such bits.
    func clearSetIDBits(descriptor: Int32, for request: fuse_req_t?) throws {
        guard clearsSetIDBits.load(ordering: .acquiring) else { return }
        let file = FileDescriptor(rawValue: descriptor)
        let status = try file.status()
        guard status.st_mode & (S_ISUID | S_ISGID) != 0 else { return }
        let group = shown(status).st_gid
        guard let mode = SetIDBits.afterDataChange(mode: status.st_mode, group: group, by: privileges(of: request)) else { return }
        try file.setMode(mode)
        logger.debug("cleared set-ID bits: mode \(String(status.st_mode & 0o7777, radix: 8)) -> \(String(mode, radix: 8))")
    }
}
