import CFuse
import CFuseTransport
import Glibc
import LaminaSystem
import Logging

/// FUSE over io_uring (`-o uring=on`, `lamina mount --uring`): instead of libfuse's threads
/// reading /dev/fuse, one thread per queue (one queue per possible CPU) takes requests from ring
/// entries registered with the kernel and answers through them, one io_uring_enter per reply and
/// next request. libfuse 3.14 does not know the protocol, so the C transport (CFuseTransport,
/// fuse_ring.c) asks for it in the INIT reply, rebuilds each request for libfuse and routes the
/// replies. Forgets and interrupts still come through /dev/fuse and libfuse's loop.
/// See docs/architecture.md ("io_uring transport").
///
/// Thread safety: immutable; the ring's state lives in the C transport (atomics, and threads
/// started by the INIT reply and joined by `stop`).
struct RingTransport: Sendable {
    /// Asked for (`uring=on`): the transport must then sit between libfuse and /dev/fuse.
    let requested: Bool

    /// Called from the INIT callback: asks for the ring when the kernel offered it. Returns the
    /// "transport: ..." words for the log, or nil when the mount uses /dev/fuse.
    func negotiate(transport: OpaquePointer, logger: Logger) -> String? {
        guard requested else { return nil }
        guard lamina_transport_installed(transport) != 0 else {
            logger.warning("uring=on: the FUSE transport is not installed; serving /dev/fuse")
            return nil
        }
        guard lamina_transport_uring_offered(transport) != 0 else {
            logger.notice("uring=on: the kernel does not offer FUSE over io_uring (/sys/module/fuse/parameters/enable_uring is N, or the kernel predates 6.14); serving /dev/fuse")
            return nil
        }
        let result = lamina_transport_request_uring(transport)
        guard result == 0 else {
            logger.warning("uring=on: cannot use io_uring here: \(SystemError("io_uring_setup", errno: -result)); serving /dev/fuse")
            return nil
        }
        return "io_uring, \(lamina_transport_uring_queue_count()) queues x \(lamina_transport_uring_depth()) entries"
    }

    /// Joins the ring threads (after the unmount, before the session is destroyed).
    static func stop(transport: OpaquePointer) {
        lamina_transport_uring_stop(transport)
    }

    /// Hands the ring threads' log lines to the bridge's logger.
    static let log: lamina_transport_log_function = { bridge, level, message in
        guard let bridge, let message else { return }
        let logger = Unmanaged<Bridge>.fromOpaque(bridge).takeUnretainedValue().logger
        let text = String(cString: message)
        switch level {
        case 0: logger.debug("\(text)")
        case 1: logger.notice("\(text)")
        default: logger.warning("\(text)")
        }
    }
}
