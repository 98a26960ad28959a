import CFuse
import CFuseTransport
import Glibc
import LaminaOverlay
import LaminaSystem
import Logging
import Synchronization

/// The adapter between libfuse's low-level callbacks and the engine: each callback (see
/// `LowLevelOperations`) finds this object through `fuse_req_userdata`, decodes its arguments,
/// calls one `Overlay` method, and replies. What the kernel may cache, and the owner mapping and
/// fsync/xattr switches of the mount options, are applied here, so the engine stays FUSE-free.
///
/// Thread safety: immutable after init; every callback may run on any libfuse worker thread at
/// once, and all shared state lives in the (thread-safe) `Overlay`. Callbacks never wait on Swift
/// concurrency.
final class Bridge: Sendable {
    let overlay: Overlay
    let logger: Logger
    /// Seconds entries, attributes and negative lookups stay valid in the kernel.
    let timeout: Double
    let synchronizes: Bool
    let extendedAttributes: Bool
    let staticDirectoryLinks: Bool
    let idMapping: IDMapping
    /// The kernel opens files without OPEN requests (no-open mode, set at INIT): `open` answers
    /// ENOSYS once, and reads, writes, fsync and fallocate come with handle 0.
    let opensWithoutRequests = Atomic<Bool>(false)
    /// FUSE passthrough for regular files (the session's userdata is its transport).
    let passthrough: Passthrough
    /// FUSE over io_uring, when asked for (`uring=on`).
    let ring: RingTransport
    /// How long a thread polls /dev/fuse between dense requests (0: off; always off with the ring).
    let spinMicroseconds: Int
    /// `killpriv=on`: ask the kernel for FUSE_HANDLE_KILLPRIV_V2 where it offers it.
    let setIDBitsWanted: Bool
    /// FUSE_HANDLE_KILLPRIV_V2 was negotiated at INIT: the bridge clears set-ID bits (`SetIDBits`).
    let clearsSetIDBits = Atomic<Bool>(false)
    /// `acl` (the default): ask the kernel to check permissions against POSIX ACLs.
    let accessControlListsWanted: Bool
    /// FUSE_POSIX_ACL was negotiated at INIT: the kernel checks ACLs and caches them, and leaves
    /// to the daemon what a local file system does when an access ACL is set (`SetIDBits`).
    let checksAccessControlLists = Atomic<Bool>(false)

    init(overlay: Overlay, options: MountOptions, logger: Logger) throws(MountError) {
        self.overlay = overlay
        self.logger = logger
        self.timeout = options.cacheTimeout
        self.synchronizes = options.synchronizes
        self.extendedAttributes = options.extendedAttributes
        self.staticDirectoryLinks = options.staticDirectoryLinks
        self.idMapping = options.idMapping
        self.passthrough = try Passthrough(mode: options.passthrough, readOnly: options.isReadOnly, logger: logger)
        self.ring = RingTransport(requested: options.uring)
        let spin = options.uring ? nil : lamina_spin_create(UInt32(clamping: options.spinMicroseconds))
        lamina_transport_set_spin(passthrough.transport, spin)
        self.spinMicroseconds = spin == nil ? 0 : options.spinMicroseconds
        self.setIDBitsWanted = options.clearsSetIDBits
        self.accessControlListsWanted = options.checksAccessControlLists
    }

    /// The bridge a request belongs to (the session's userdata is the transport, which holds it).
    static func of(_ request: fuse_req_t?) -> Bridge? {
        of(userdata: fuse_req_userdata(request))
    }

    static func of(userdata: UnsafeMutableRawPointer?) -> Bridge? {
        guard let bridge = lamina_transport_bridge(userdata) else { return nil }
        return Unmanaged<Bridge>.fromOpaque(bridge).takeUnretainedValue()
    }

    /// Runs one operation for `request`: finds the bridge, runs `body`, and replies with the errno of
    /// anything thrown (`SystemError.errno`; EIO for any other error). `body` sends its own reply
    /// on success.
    static func handle(
        _ request: fuse_req_t?, _ operation: @autoclosure () -> String, _ body: (Bridge) throws -> Void
    ) {
        guard let bridge = of(request) else {
            fuse_reply_err(request, EIO)
            return
        }
        bridge.logger.trace("\(operation())")
        do {
            do {
                try body(bridge)
            } catch where bridge.overlay.mayFreeSpace(after: error) {
                // Space held by a file unlinked a moment ago returns with the kernel's forget: once
                // more (a call that throws has sent no reply and left nothing half done).
                bridge.logger.debug("\(operation()): \(error); trying once more after the kernel's forgets")
                try body(bridge)
            }
        } catch {
            let code = errorNumber(error)
            bridge.logger.trace("\(operation()) -> \(error)")
            fuse_reply_err(request, code)
        }
    }

    static func errorNumber(_ error: any Error) -> Int32 {
        if let error = error as? SystemError, error.errno > 0 { return error.errno }
        return EIO
    }

    /// Who asks for a new file: the caller's owner as stored on disk, and its umask.
    func caller(_ request: fuse_req_t?) -> Caller {
        guard let context = fuse_req_ctx(request)?.pointee else { return Caller(uid: 0, gid: 0) }
        return Caller(uid: idMapping.diskUID(context.uid), gid: idMapping.diskGID(context.gid), umask: context.umask)
    }

    /// What the thread behind `request` may do to set-ID bits (`SetIDBits`); nil for the kernel's
    /// own requests (pid 0) and threads that are gone or unreadable.
    func privileges(of request: fuse_req_t?) -> ProcessPrivileges? {
        .of(thread: fuse_req_ctx(request)?.pointee.pid ?? 0)
    }

    /// Attributes as the kernel should see them (owner mapping, static directory link counts).
    func shown(_ attributes: stat) -> stat {
        var result = idMapping.shown(attributes)
        if staticDirectoryLinks && result.st_mode & S_IFMT == S_IFDIR { result.st_nlink = 1 }
        return result
    }

    func entryParameters(_ entry: Entry) -> fuse_entry_param {
        var parameters = fuse_entry_param()
        parameters.ino = fuse_ino_t(entry.node)
        parameters.generation = entry.generation
        parameters.attr = shown(entry.attributes)
        parameters.attr_timeout = timeout
        parameters.entry_timeout = timeout
        return parameters
    }

    /// Replies with a new entry; if the kernel did not take it (the request was interrupted), the
    /// lookup the engine counted is given back, since no forget will ever come for it.
    func replyEntry(_ request: fuse_req_t?, _ entry: Entry) {
        var parameters = entryParameters(entry)
        if fuse_reply_entry(request, &parameters) != 0 {
            overlay.forget(entry.node, lookups: 1)
        }
    }

    /// A name as the kernel sends it: bytes, exactly (any encoding, or none).
    static func name(_ pointer: UnsafePointer<CChar>?) throws -> FileName {
        guard let pointer, let name = FileName(cString: pointer) else {
            throw SystemError("name", errno: EINVAL)
        }
        return name
    }
}

extension Bridge {
    /// An xattr name ("user.x"). xattr names are namespace-prefixed text; one that is not UTF-8 is
    /// refused (EINVAL) rather than decoded into another name.
    static func attributeName(_ pointer: UnsafePointer<CChar>?) throws -> String {
        guard let pointer, let name = String(validatingCString: pointer) else {
            throw SystemError("xattr name", errno: EINVAL)
        }
        return name
    }

    /// A C string for a trace line (lossy, never fails).
    static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? "<nil>"
    }
}
