#if canImport(Glibc)
import Glibc
#endif

/// What a thread may do to a file's set-user-ID and set-group-ID bits, read from /proc: whether
/// it holds CAP_FSETID in the initial user namespace (the kernel's `capable(CAP_FSETID)`), and
/// the groups it acts with. A FUSE daemon that clears those bits itself (handle_killpriv_v2)
/// decides for the thread behind a request the way the kernel would for a local file system.
/// A value type: safe from any thread.
public struct ProcessPrivileges: Sendable, Equatable {
    /// Holds CAP_FSETID in its effective set, in the initial user namespace.
    public var holdsFileSetID: Bool
    /// The file-system group and the supplementary groups.
    public var groups: [gid_t]

    public init(holdsFileSetID: Bool, groups: [gid_t]) {
        self.holdsFileSetID = holdsFileSetID
        self.groups = groups
    }

    /// The inode number of the initial user namespace's /proc/PID/ns/user (PROC_USER_INIT_INO).
    static let initialUserNamespace: ino_t = 0xEFFF_FFFD
    /// CAP_FSETID's bit in CapEff.
    static let fileSetIDCapability: UInt64 = 1 << 4

    /// Reads thread `tid` (a thread id as a FUSE request carries it, or a process id). Nil when it
    /// is gone, cannot be read, or `tid` is 0 (a request the kernel made on its own): callers
    /// then assume the least privilege.
    public static func of(thread tid: pid_t) -> ProcessPrivileges? {
        guard tid > 0, let bytes = try? MountCalls.readFile("/proc/\(tid)/status") else { return nil }
        let status = String(decoding: bytes, as: UTF8.self)
        // Reading another user's namespace link needs ptrace access; without it, not initial.
        let namespace = try? PosixCall.stat("/proc/\(tid)/ns/user")
        return parse(status: status, inInitialUserNamespace: namespace?.st_ino == initialUserNamespace)
    }

    /// Parses /proc/PID/status: CapEff (hexadecimal), Gid (the fourth value is the fs gid) and
    /// Groups. Nil if CapEff or Gid is missing or malformed.
    static func parse(status: String, inInitialUserNamespace: Bool) -> ProcessPrivileges? {
        var capabilities: UInt64?
        var fileSystemGroup: gid_t?
        var supplementary: [gid_t] = []
        for line in status.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard let key = fields.first else { continue }
            let values = fields.dropFirst()
            switch key {
            case "CapEff:": capabilities = values.first.flatMap { UInt64($0, radix: 16) }
            case "Gid:": fileSystemGroup = values.count == 4 ? values.last.flatMap { gid_t($0) } : nil
            case "Groups:": supplementary = values.compactMap { gid_t($0) }
            default: continue
            }
        }
        guard let capabilities, let fileSystemGroup else { return nil }
        return ProcessPrivileges(
            holdsFileSetID: inInitialUserNamespace && capabilities & fileSetIDCapability != 0,
            groups: [fileSystemGroup] + supplementary)
    }
}
