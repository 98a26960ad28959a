import CFuse
import CFuseTransport
import Glibc
import LaminaOverlay
import LaminaSystem
import Logging

/// One libfuse session: created with the mount options, mounted, served by the multi-threaded
/// loop, and on the way out unmounted and destroyed. Keeps the `Bridge` alive as the session's
/// userdata for as long as libfuse can call back into it.
///
/// Used from the thread that runs the mount (libfuse's worker threads only see the `Bridge`).
final class FUSESession {
    private let session: OpaquePointer
    private let bridge: Unmanaged<Bridge>
    private var mounted = false
    private var signalHandlersInstalled = false
    private var closed = false

    init(options: MountOptions, bridge: Bridge) throws(MountError) {
        lamina_fuse_capture_log()
        var arguments = lamina_fuse_args(0, nil)
        defer { fuse_opt_free_args(&arguments) }
        for argument in ["lamina", "-o", options.fuseMountOptions.joined(separator: ",")] {
            guard fuse_opt_add_arg(&arguments, argument) == 0 else {
                throw MountError(.system, "cannot build FUSE arguments: out of memory", errno: ENOMEM)
            }
        }
        var operations = LowLevelOperations.table()
        let retained = Unmanaged.passRetained(bridge)
        // The session's userdata is the transport, which hands the bridge to every callback.
        lamina_transport_set_bridge(bridge.passthrough.transport, retained.toOpaque())
        guard let session = fuse_session_new(
            &arguments, &operations, MemoryLayout<fuse_lowlevel_ops>.size,
            UnsafeMutableRawPointer(bridge.passthrough.transport)) else {
            retained.release()
            throw MountError(.system, "cannot create the FUSE session: \(Self.lastLibfuseMessage(or: "libfuse refused the options"))")
        }
        self.session = session
        self.bridge = retained
    }

    /// Mounts at `mountPoint` (an absolute path, or /dev/fd/N from mount.fuse3). A plain user's
    /// mount goes through fusermount3 (libfuse runs it when mount(2) is refused); its reason for a
    /// refusal is on its standard error, which is captured for the error message.
    func mount(at mountPoint: String) throws(MountError) {
        lamina_fuse_capture_log()
        let (code, helperOutput) = MountCalls.capturingStandardError { fuse_session_mount(session, mountPoint) }
        guard code == 0 else {
            let reason = Self.helperReason(helperOutput) ?? Self.lastLibfuseMessage(or: "mount failed")
            throw MountError(.system, "cannot mount on \(mountPoint): \(reason)")
        }
        mounted = true
        // Passthrough, the io_uring ring, polling and handle_killpriv_v2 need the transport between
        // libfuse and /dev/fuse (`Passthrough`, `RingTransport`, `MountOptions.spinMicroseconds`,
        // `SetIDBits`).
        let served = bridge.takeUnretainedValue()
        let passthrough = served.passthrough
        if let refusal = passthrough.refusal { served.logger.warning("\(refusal)") }
        if passthrough.wanted || served.ring.requested || served.spinMicroseconds > 0 || served.setIDBitsWanted {
            lamina_transport_set_log(passthrough.transport, RingTransport.log)
            let result = lamina_transport_install(passthrough.transport, session)
            if result != 0 {
                served.logger.warning("passthrough, uring, polling and killpriv off: cannot install the FUSE transport: \(SystemError("fuse_session_custom_io", errno: -result))")
            }
        }
    }

    /// fusermount3's last line, without its program name ("fusermount3: option allow_other only
    /// allowed if 'user_allow_other' is set in /etc/fuse.conf" -> the text after the colon).
    static func helperReason(_ output: String) -> String? {
        guard var line = output.split(separator: "\n").last(where: { !$0.allSatisfy(\.isWhitespace) }).map(String.init) else {
            return nil
        }
        for prefix in ["fusermount3: ", "fusermount: ", "fuse: "] where line.hasPrefix(prefix) {
            line.removeFirst(prefix.count)
        }
        return line
    }

    /// SIGTERM, SIGINT and SIGHUP end the loop, after which the mount is taken down cleanly.
    func installSignalHandlers() throws(MountError) {
        guard fuse_set_signal_handlers(session) == 0 else {
            throw MountError(.system, "cannot install signal handlers")
        }
        signalHandlersInstalled = true
    }

    /// Serves requests until unmounted or signalled. Returns libfuse's result (0 on a clean end).
    func run(singleThreaded: Bool, cloneDescriptor: Bool, maxIdleThreads: Int32, maxThreads: UInt32) -> Int32 {
        if singleThreaded { return fuse_session_loop(session) }
        return lamina_fuse_session_loop_mt(session, cloneDescriptor ? 1 : 0, maxIdleThreads, maxThreads)
    }

    /// Unmounts (if mounted) and destroys the session; later calls do nothing.
    func close() {
        guard !closed else { return }
        closed = true
        if signalHandlersInstalled { fuse_remove_signal_handlers(session) }
        if mounted { fuse_session_unmount(session) }
        if let spin = lamina_transport_spin(bridge.takeUnretainedValue().passthrough.transport) {
            bridge.takeUnretainedValue().logger.debug("polling /dev/fuse: \(lamina_spin_hits(spin)) polls found a request, \(lamina_spin_misses(spin)) ran out")
        }
        // The ring threads serve through the session: joined before it goes.
        RingTransport.stop(transport: bridge.takeUnretainedValue().passthrough.transport)
        fuse_session_destroy(session)
        bridge.release()
    }

    deinit {
        close()
    }

    private static func lastLibfuseMessage(or fallback: String) -> String {
        var message = String(cString: lamina_fuse_last_log_message())
        while message.last == "\n" || message.last == " " { message.removeLast() }
        if message.hasPrefix("fuse: ") { message.removeFirst(6) }
        return message.isEmpty ? fallback : message
    }
}
