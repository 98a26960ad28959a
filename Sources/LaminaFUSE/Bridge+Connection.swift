import CFuse
import CFuseTransport
import Glibc

/// The FUSE INIT negotiation: which kernel capabilities the mount asks for.
extension Bridge {
    /// Wanted where the kernel (and libfuse) offer them: splice in both directions, asynchronous
    /// reads, parallel lookups and readdirs in one directory, and readdirplus (adaptive). Kept
    /// off: writeback cache (the kernel would cache writes Lamina must see in order), libfuse's
    /// first handle_killpriv (the transport asks for v2: `SetIDBits`), export support, and
    /// POSIX/flock locks, so the kernel keeps locks locally and fcntl/flock work on the mount
    /// as on a local file system. Where the kernel supports it, files are opened without a round
    /// trip (no-open mode, see `opensWithoutRequests`); O_TRUNC then arrives as a truncating
    /// setattr, so atomic O_TRUNC in open stays off (with it the kernel would skip that setattr).
    /// POSIX ACLs and FUSE_DONT_MASK are asked for by `negotiateAccessControlLists`.
    static let wantedCapabilities: [UInt32] = [
        lamina_fuse_cap_splice_read(), lamina_fuse_cap_splice_write(), lamina_fuse_cap_splice_move(),
        lamina_fuse_cap_async_read(), lamina_fuse_cap_parallel_dirops(),
        lamina_fuse_cap_readdirplus(), lamina_fuse_cap_readdirplus_auto(),
    ]

    static let unwantedCapabilities: [UInt32] = [
        lamina_fuse_cap_writeback_cache(), lamina_fuse_cap_handle_killpriv(), lamina_fuse_cap_export_support(),
        lamina_fuse_cap_posix_locks(), lamina_fuse_cap_flock_locks(), lamina_fuse_cap_atomic_o_trunc(),
    ]

    /// Asks for FUSE_HANDLE_KILLPRIV_V2 where wanted, offered, and passthrough is off (a write
    /// passed through never reaches the daemon, so the kernel must clear the bits then). Returns
    /// the transport line's clause saying who clears set-ID bits.
    func negotiateSetIDBits() -> String {
        let transport = passthrough.transport
        guard setIDBitsWanted else { return "; set-ID bits cleared by the kernel (killpriv=off)" }
        guard lamina_transport_installed(transport) != 0, lamina_transport_killpriv_offered(transport) != 0 else {
            return "; set-ID bits cleared by the kernel (it does not offer handle_killpriv_v2)"
        }
        guard !passthrough.isActive else { return "; set-ID bits cleared by the kernel (passthrough)" }
        lamina_transport_request_killpriv(transport)
        clearsSetIDBits.store(true, ordering: .releasing)
        return "; set-ID bits cleared by the daemon (handle_killpriv_v2)"
    }

    /// Asks for FUSE_POSIX_ACL where wanted (`acl`, the default) and offered: the kernel then
    /// checks permissions against each file's access ACL, as kernel overlayfs does, and caches the
    /// lists it reads. With it FUSE_DONT_MASK: the kernel sends a new entry's mode without the
    /// caller's umask, and the umask beside it, for the daemon to apply unless the directory has a
    /// default ACL (`makeEntry`). Returns the transport line's clause saying which.
    func negotiateAccessControlLists(_ connection: inout fuse_conn_info) -> String {
        // The umask is the daemon's to apply either way, so a default ACL is inherited as kernel
        // overlayfs inherits it even when the kernel does not check ACLs.
        if connection.capable & lamina_fuse_cap_dont_mask() != 0 { connection.want |= lamina_fuse_cap_dont_mask() }
        guard accessControlListsWanted else { return "; ACLs not checked (noacl)" }
        guard connection.capable & lamina_fuse_cap_posix_acl() != 0 else {
            return "; ACLs not checked (the kernel does not offer POSIX ACLs)"
        }
        connection.want |= lamina_fuse_cap_posix_acl()
        checksAccessControlLists.store(true, ordering: .releasing)
        return "; ACLs checked by the kernel"
    }

    /// Largest write request: 1 MiB (libfuse lowers it to what its buffers hold).
    static let maximumWrite: UInt32 = 1 << 20

    static func initialize(_ userdata: UnsafeMutableRawPointer?, _ connection: UnsafeMutablePointer<fuse_conn_info>?) {
        guard let connection else { return }
        var want = connection.pointee.want
        for capability in wantedCapabilities where connection.pointee.capable & capability != 0 {
            want |= capability
        }
        for capability in unwantedCapabilities {
            want &= ~capability
        }
        connection.pointee.want = want
        connection.pointee.max_write = maximumWrite
        // max_readahead already holds the most the kernel allows; it can only be lowered.
        if let bridge = Bridge.of(userdata: userdata) {
            let ring = bridge.ring.negotiate(transport: bridge.passthrough.transport, logger: bridge.logger)
            if ring != nil {
                // Ring replies are copied into their ring entry: libfuse must not splice them.
                want &= ~(lamina_fuse_cap_splice_write() | lamina_fuse_cap_splice_move())
                connection.pointee.want = want
            }
            let polled = bridge.spinMicroseconds > 0 && lamina_transport_installed(bridge.passthrough.transport) != 0
            let carrier = ring ?? "/dev/fuse through libfuse" + (polled ? ", polled for up to \(bridge.spinMicroseconds) microseconds between dense requests" : "")
            let transport = bridge.passthrough.negotiate(carrier: carrier) + bridge.negotiateSetIDBits()
                + bridge.negotiateAccessControlLists(&connection.pointee)
            want = connection.pointee.want
            // Passthrough needs an OPEN per open: the reply carries the backing file.
            bridge.opensWithoutRequests.store(
                connection.pointee.capable & lamina_fuse_cap_no_open_support() != 0 && !bridge.passthrough.isActive,
                ordering: .releasing)
            // One line whenever the daemon runs in the foreground (`lamina bench` reads it from there).
            bridge.logger.notice("\(transport)")
            bridge.logger.debug("FUSE \(connection.pointee.proto_major).\(connection.pointee.proto_minor): capable=0x\(String(connection.pointee.capable, radix: 16)) want=0x\(String(want, radix: 16)) max_readahead=\(connection.pointee.max_readahead)")
        }
    }
}
