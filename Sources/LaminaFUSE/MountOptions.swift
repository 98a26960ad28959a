import LaminaOverlay

/// Everything one mount needs: the layer stack, where it goes, and how the daemon and the kernel
/// should treat it. Built by `lamina mount` from flags and by `lamina-overlayfs` from fuse-overlayfs
/// style `-o` options (see `MountOptions+Parsing.swift`); checked by `MountPreflight`.
///
/// Plain value; no shared state.
public struct MountOptions: Sendable, Equatable {
    /// Lower layers, top-most first (as overlayfs lists them).
    public var lowerDirectories: [String] = []
    /// How each of those layers is read, where the caller knows more than a directory (the store's
    /// layer indexes, lazily pulled layers); nil: each is a plain directory.
    public var lowerLayers: LowerLayerList?
    /// `lowerindex=`: a layer index file (LaminaLayerIndex) for each `lowerdir=` directory, in the
    /// same order (empty: that layer has none). The daemon then reads names and metadata of those
    /// layers through their mapped indexes, as `lamina mount` does for store layers (a Lamina
    /// option; `MountPreflight` opens them).
    public var lowerIndexPaths: [String] = []
    public var upperDirectory: String?
    public var workDirectory: String?
    public var mountPoint: String = ""

    /// The mount's source as /proc/self/mountinfo shows it, and its type suffix (`fuse.<subtype>`).
    public var fileSystemName = "lamina"
    public var subtype = "lamina"

    /// `ro` was asked for: mounted read-only even when an upper directory is named.
    public var readOnlyRequested = false
    public var foreground = false
    /// Per-operation trace logging (and libfuse's own debug output).
    public var debug = false
    /// Where a background daemon's log goes (standard error otherwise, which is /dev/null then).
    public var logFile: String?

    /// Seconds the kernel may cache entries, attributes and negative lookups. Lamina is the only
    /// writer of its layers while mounted, so long timeouts are safe on writable mounts too.
    public var cacheTimeout: Double = 86400
    /// `fsync=0` / `volatile`: fsync and fsyncdir return at once without syncing.
    public var synchronizes = true
    /// `noxattrs=1`: extended attribute calls answer ENOTSUP.
    public var extendedAttributes = true
    /// `static_nlink`: directories report a link count of 1.
    public var staticDirectoryLinks = false
    public var idMapping = IDMapping()
    /// `userxattr`: the overlay's own markers go in `user.overlay.*`. Left nil, `MountPreflight`
    /// sets it from what the upper layer accepts (`MarkerNamespaceProbe`).
    public var markerNamespace: String?
    /// `allow_other`: processes of other users may use the mount. Left nil, `MountPreflight` turns
    /// it on where the system allows it (root, or `user_allow_other` in /etc/fuse.conf).
    public var allowOther: Bool?
    /// Mounted by a plain user through fusermount3, which forces nosuid,nodev: `suid`/`dev` are not
    /// asked for (fusermount3 would only warn about them). Set by `MountPreflight`.
    public var mountsAsUser = false

    /// Mount flags handed to the kernel as they are (nosuid, nodev, noexec, noatime, sync, dirsync).
    public var kernelFlags: [String] = []
    public var singleThreaded = false
    public var cloneDescriptor = false
    public var maxIdleThreads: Int32 = -1
    public var maxThreads: UInt32 = 0
    public var autoUnmount = false
    /// `passthrough=on|off|auto|all`: whether the kernel reads and writes regular files itself (FUSE
    /// passthrough, see `Passthrough`). Off unless asked for: it makes large writes 2-4x faster but
    /// costs an OPEN request per open(2) that no-open mode saves (small files read again: 1.3-3x
    /// slower; docs/performance.md, "Transport").
    public var passthrough: PassthroughMode = .off
    /// `uring=on|off`: serve requests from FUSE-over-io_uring ring entries instead of reading
    /// /dev/fuse (see `RingTransport`), where the kernel offers it (enable_uring=Y). Off unless
    /// asked for.
    public var uring = false
    /// `killpriv=on|off`: whether the daemon, not the kernel, clears set-user-ID and set-group-ID
    /// bits on write, truncate, fallocate and chown (FUSE_HANDLE_KILLPRIV_V2, see `SetIDBits`).
    /// On unless turned off, where the kernel offers it and passthrough is not active: the kernel
    /// then stops asking for security.capability before every WRITE, which halves the requests of
    /// small writes (docs/performance.md, "The daemon clears set-ID bits").
    public var clearsSetIDBits = true
    /// `acl`/`noacl`: whether the kernel checks permissions against POSIX ACLs (FUSE_POSIX_ACL),
    /// as kernel overlayfs and fuse-overlayfs do, and caches each file's lists. On unless `noacl`:
    /// without it a list that denies a named user what the mode bits grant everyone is not
    /// enforced. The kernel then leaves the umask to the daemon, which applies it unless the
    /// directory has a default ACL (`AccessControlList`).
    public var checksAccessControlLists = true
    /// `spin=MICROSECONDS`: while requests come densely, one daemon thread polls /dev/fuse this
    /// long for the next request instead of sleeping (the transport's adaptive polling, see
    /// CFuseTransport.h). Off (0) unless asked for: on a quiet machine `spin=50` cut a round trip
    /// by a third, on a host whose CPUs are shared with other guests it made misses slower
    /// (docs/performance.md, "Polling /dev/fuse between requests"). Not with `uring=on`.
    public var spinMicroseconds = 0
    /// Options accepted for compatibility that change nothing (logged with --debug).
    public var ignoredOptions: [String] = []

    public init() {}

    /// True when nothing can be written: no upper directory, or `ro`.
    public var isReadOnly: Bool { upperDirectory == nil || readOnlyRequested }

    /// The engine's view of this mount. A read-only mount gets no upper or work directory.
    public var overlayConfiguration: OverlayConfiguration {
        OverlayConfiguration(
            lowerLayers: lowerLayers?.layers ?? lowerDirectories.map { .directory($0) },
            upperDirectory: isReadOnly ? nil : upperDirectory,
            workDirectory: isReadOnly ? nil : workDirectory,
            markerNamespace: markerNamespace)
    }

    /// The `-o` list libfuse passes to the kernel mount.
    public var fuseMountOptions: [String] {
        var options = ["default_permissions"]
        if allowOther != false { options.append("allow_other") }
        options += ["fsname=\(Self.escaped(fileSystemName))", "subtype=\(Self.escaped(subtype))"]
        if isReadOnly { options.append("ro") }
        // libfuse mounts nosuid,nodev unless told otherwise; overlayfs does not (a container's
        // setuid programs must work), so say so unless nosuid/nodev was asked for.
        if !kernelFlags.contains("nosuid") && !mountsAsUser { options.append("suid") }
        if !kernelFlags.contains("nodev") && !mountsAsUser { options.append("dev") }
        if autoUnmount { options.append("auto_unmount") }
        for flag in kernelFlags where !options.contains(flag) { options.append(flag) }
        return options
    }

    /// libfuse splits `-o` lists at commas; a backslash keeps one literal.
    private static func escaped(_ value: String) -> String {
        var result = ""
        for character in value {
            if character == "," || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}

/// The lower layers of a mount as the engine reads them (`LowerLayer`s), carried in `MountOptions`;
/// two lists are equal when they are the same list.
///
/// Thread safety: immutable.
public final class LowerLayerList: Sendable, Equatable {
    public let layers: [LowerLayer]

    public init(_ layers: [LowerLayer]) {
        self.layers = layers
    }

    public static func == (left: LowerLayerList, right: LowerLayerList) -> Bool { left === right }
}

/// How a mount uses FUSE passthrough, which only the host's root may use (elsewhere `on` and `all`
/// warn and mount without it). `on`: upper files, and lower files where nothing can copy
/// them up (read-only mounts), are read and written by the kernel; lower files of a writable mount
/// are still read through the daemon, so a reader follows a later copy-up as on overlayfs. `all`:
/// lower files of writable mounts too, at a cost: while a lower file is open through passthrough,
/// opening it for writing or truncating it fails with ETXTBSY (the kernel holds one backing file
/// per inode). `off` (the default): every read and write is a request to the daemon, and files
/// are opened without a request (no-open mode). `auto`: `on` as the host's root (only that may
/// register backing files), else `off`.
public enum PassthroughMode: String, Sendable, Equatable, CaseIterable {
    case on, off, auto, all
}
