import Glibc
import LaminaOverlay
import LaminaSystem
import Logging

/// Runs one mount to its end in this process: the pre-mount checks, the engine, the FUSE session,
/// the readiness report to a waiting starter (see `BackgroundLaunch`), and the request loop until
/// the mount point is unmounted or SIGTERM/SIGINT/SIGHUP arrives, after which it unmounts cleanly.
///
/// Stateless namespace; `serve` blocks the calling thread (libfuse's worker threads do the work).
public enum MountService {
    /// Serves `options`; returns the process exit status. Errors are reported once: to the waiting
    /// starter when there is one, else on standard error, prefixed with `program`.
    public static func serve(_ options: MountOptions, program: String, logger: Logger) -> Int32 {
        // A directory in use holds a descriptor per layer it spans (the engine's cache keeps at most
        // half the limit): take what the hard limit allows, as daemons do.
        ResourceLimits.raiseOpenFileLimit()
        // Directory handles fill the descriptor table early; grow it once, while single-threaded.
        ResourceLimits.reserveDescriptorTable(min(4_096, OverlayConfiguration.defaultDescriptorCeiling() + 256))
        let readiness = ReadinessSignal.fromEnvironment()
        if readiness != nil {
            try? MountCalls.startSession()
        }
        let prepared: MountPreflight.Prepared
        let session: FUSESession
        do {
            prepared = try MountPreflight.check(options)
            let overlay: Overlay
            do {
                overlay = try Overlay(configuration: prepared.options.overlayConfiguration, logger: logger)
            } catch {
                throw MountError(.system, "cannot open the layer stack: \(error)")
            }
            let bridge = try Bridge(overlay: overlay, options: prepared.options, logger: logger)
            session = try FUSESession(options: prepared.options, bridge: bridge)
            try session.mount(at: prepared.options.mountPoint)
            try session.installSignalHandlers()
        } catch {
            let message = "\(error)"
            if let readiness {
                readiness.failed(message)
            } else {
                try? MountCalls.writeAll(STDERR_FILENO, Array("\(program): \(message)\n".utf8))
            }
            return 1
        }
        let markers = prepared.options.isReadOnly ? "" : ", markers in \(prepared.options.markerNamespace ?? "no xattr namespace")*"
        logger.info("mounted \(prepared.options.mountPoint) (\(prepared.options.isReadOnly ? "read-only" : "read-write"), \(prepared.options.lowerDirectories.count) lower layers\(markers))")
        if !prepared.options.ignoredOptions.isEmpty {
            logger.debug("accepted and ignored: \(prepared.options.ignoredOptions.joined(separator: ","))")
        }
        if let readiness {
            try? MountCalls.changeDirectory("/")
            readiness.ready()
        }
        // The work directory stays locked until the mount is gone.
        let result = withExtendedLifetime(prepared.workLock) {
            let result = session.run(
                singleThreaded: prepared.options.singleThreaded, cloneDescriptor: prepared.options.cloneDescriptor,
                maxIdleThreads: prepared.options.maxIdleThreads, maxThreads: prepared.options.maxThreads)
            logger.info("unmounting \(prepared.options.mountPoint)")
            session.close()
            return result
        }
        // 0 after an unmount, the signal number after SIGTERM/SIGINT/SIGHUP; negative on errors.
        return result >= 0 ? 0 : 1
    }
}
