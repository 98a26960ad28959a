#if canImport(Glibc)
import Glibc
#endif

/// What this process may do to the machine, as the kernel sees it: the real root of the host, the
/// root of a user namespace (`unshare -Ur`, rootless podman's mount program: may mount FUSE and
/// chown to the ids its namespace maps, but may not set `trusted.*` xattrs or mknod real
/// devices), or a plain user.
///
/// Read from the process's credentials and /proc/self/uid_map each time; a plain value.
public enum Privilege: Sendable, Equatable {
    case hostRoot
    case namespaceRoot
    case user

    /// The privilege of this process now.
    public static var current: Privilege {
        guard geteuid() == 0 else { return .user }
        return isInInitialUserNamespace ? .hostRoot : .namespaceRoot
    }

    /// True when this process's user namespace is the machine's own: its uid map is the identity
    /// over every id ("0 0 4294967295"). An unreadable map is taken as the initial namespace.
    public static var isInInitialUserNamespace: Bool {
        guard let bytes = try? MountCalls.readFile("/proc/self/uid_map") else { return true }
        let fields = String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        return fields == ["0", "0", "4294967295"]
    }
}
