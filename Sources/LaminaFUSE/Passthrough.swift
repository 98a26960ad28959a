import CFuseTransport
import Glibc
import LaminaSystem
import Logging
import Synchronization

/// FUSE passthrough: the kernel reads, writes and maps a regular file by itself, through a backing
/// file the daemon registered (`FUSE_DEV_IOC_BACKING_OPEN` on /dev/fuse), instead of sending READ
/// and WRITE requests. libfuse 3.14 knows nothing of it, so the C transport (CFuseTransport) sits
/// between libfuse and /dev/fuse: it reads the kernel's INIT offer, adds passthrough to libfuse's
/// INIT reply, and puts the backing id into OPEN and CREATE replies. See docs/architecture.md
/// ("Transport") for the kernel's rules and what they mean for copy-up.
///
/// Thread safety: `active` and `registering` are atomics; `files` is thread-safe; the C
/// transport's state is atomic (its pointer is set once, before the session runs).
final class Passthrough: Sendable {
    nonisolated(unsafe) let transport: OpaquePointer
    let mode: PassthroughMode
    /// Lower layers' files are passed through too (`all`, or a read-only mount: nothing copies up).
    let lowerFiles: Bool
    let files = BackingFiles()
    /// Passthrough was negotiated at INIT.
    let active = Atomic<Bool>(false)
    /// Backing files may be registered (cleared after EPERM: this process may not).
    let registering = Atomic<Bool>(true)
    private let logger: Logger

    init(mode: PassthroughMode, readOnly: Bool, logger: Logger) throws(MountError) {
        guard let transport = lamina_transport_create(nil) else {
            throw MountError(.system, "cannot create the FUSE transport: out of memory", errno: ENOMEM)
        }
        self.transport = transport
        self.mode = mode
        self.lowerFiles = mode == .all || readOnly
        self.logger = logger
    }

    deinit {
        lamina_transport_destroy(transport)
    }

    /// Whether the session's I/O goes through the transport: not with `off`, and otherwise only as
    /// the host's root (only CAP_SYS_ADMIN in the initial user namespace may register backing
    /// files; elsewhere asking would only cost no-open mode). Without it Lamina talks to /dev/fuse
    /// through libfuse alone, as without passthrough.
    var wanted: Bool { mode != .off && Privilege.current == .hostRoot }

    /// Why an explicit `on` or `all` cannot be honoured here, for a warning; nil otherwise.
    var refusal: String? {
        guard mode == .on || mode == .all, !wanted else { return nil }
        return "passthrough=\(mode.rawValue): only the host's root may pass files through; mounting without passthrough"
    }

    /// Called from the INIT callback: asks for passthrough when the kernel offered it. Returns a
    /// line for the debug log saying which transport (`carrier`: how requests travel) the mount uses.
    func negotiate(carrier: String) -> String {
        let installed = lamina_transport_installed(transport) != 0
        guard installed, wanted else {
            return "transport: \(carrier), passthrough off (passthrough=\(mode.rawValue)\(mode == .off ? "" : ", not the host's root"))"
        }
        guard lamina_transport_passthrough_offered(transport) != 0 else {
            return "transport: \(carrier), passthrough off (the kernel does not offer it)"
        }
        lamina_transport_request_passthrough(transport)
        active.store(true, ordering: .releasing)
        let scope = lowerFiles ? "upper and lower files" : "upper files (lower files of this writable mount through the daemon)"
        return "transport: \(carrier), passthrough on: the kernel reads and writes \(scope) itself; opens and metadata are requests"
    }

    var isActive: Bool { active.load(ordering: .acquiring) }

    /// Decides how to answer an open of `node` whose engine handle reads `descriptor`.
    func attach(node: UInt64, upper: Bool, writing: Bool, descriptor: () throws -> Int32) -> BackingFiles.Answer {
        if let answer = files.join(node, writing: writing) { return answer }
        var backing = BackingFiles.Backing.none
        if upper || lowerFiles, registering.load(ordering: .acquiring), let fd = try? descriptor() {
            let id = lamina_transport_backing_open(transport, fd)
            if id > 0 {
                backing = .file(id: id, upper: upper)
            } else {
                logger.debug("passthrough: node \(node): cannot register its backing file: \(SystemError("FUSE_DEV_IOC_BACKING_OPEN", errno: -id))")
                if id == -EPERM { registering.store(false, ordering: .releasing) }
            }
        }
        let (answer, taken) = files.start(node, backing: backing, writing: writing)
        if !taken, case .file(let id, _) = backing { _ = lamina_transport_backing_close(transport, id) }
        return answer
    }

    /// One open of `node` ended (a release, or an open reply the kernel did not take).
    func detach(node: UInt64) {
        if let id = files.leave(node) {
            let result = lamina_transport_backing_close(transport, id)
            if result != 0 { logger.debug("passthrough: node \(node): closing backing id \(id): \(SystemError("FUSE_DEV_IOC_BACKING_CLOSE", errno: -result))") }
        }
    }
}
