import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// How a plain user's container runs, as rootless podman runs one: in a user namespace (with a
/// mount namespace) where the user is root and the user's subordinate ids (/etc/subuid,
/// /etc/subgid, written by the setuid newuidmap/newgidmap) are 1..N. The mount daemon and runc run
/// in there: the daemon mounts FUSE directly and may chown among the mapped ids, and runc, finding
/// itself in a user namespace, runs in its rootless mode (no cgroups it may not write).
///
/// `prepare` checks everything before anything is made or mounted, and says in one line what is
/// missing. Immutable value, kept in the container's record.
public struct RootlessIdentity: Codable, Sendable, Equatable {
    public var uidMap: [IDMapRange]
    public var gidMap: [IDMapRange]

    /// Subordinate ids podman maps at most (a container needs 65536 for every id an image may use).
    static let mappedCount: UInt32 = 65536

    /// nil for host root (containers run as today); the identity to run with for a plain user; a
    /// `.rootless` error saying what is missing otherwise (checked in the order a user would fix it).
    static func prepare(
        mounter: RootfsMounter.Kind, privilege: Privilege = .current, user: (name: String, uid: uid_t, gid: gid_t) = currentUser(),
        subuid: String = "/etc/subuid", subgid: String = "/etc/subgid"
    ) throws(RuntimeError) -> RootlessIdentity? {
        switch privilege {
        case .hostRoot: return nil
        case .namespaceRoot: throw .rootless("lamina run inside a user namespace is not supported: run it as a plain user or as root")
        case .user: break
        }
        guard mounter != .kernel else {
            throw .rootless("LAMINA_ROOTFS_MOUNTER=kernel needs root; rootless containers are mounted with Lamina")
        }
        for helper in ["newuidmap", "newgidmap"] where UserNamespace.mapHelper(helper) == nil {
            throw .rootless("\(helper) is not installed (apt-get install uidmap)")
        }
        if let enabled = try? String(contentsOfFile: "/proc/sys/kernel/unprivileged_userns_clone", encoding: .utf8),
           enabled.trimmingCharacters(in: .whitespacesAndNewlines) == "0" {
            throw .rootless("user namespaces are disabled for plain users (sysctl kernel.unprivileged_userns_clone=1)")
        }
        if let limit = try? String(contentsOfFile: "/proc/sys/user/max_user_namespaces", encoding: .utf8),
           limit.trimmingCharacters(in: .whitespacesAndNewlines) == "0" {
            throw .rootless("user namespaces are disabled (sysctl user.max_user_namespaces=0)")
        }
        guard let uids = Self.subordinateRange(in: subuid, user: user.name, id: user.uid) else {
            throw .rootless("\(user.name) has no subordinate uids in \(subuid) (add a line '\(user.name):100000:65536', or usermod --add-subuids)")
        }
        guard let gids = Self.subordinateRange(in: subgid, user: user.name, id: user.uid) else {
            throw .rootless("\(user.name) has no subordinate gids in \(subgid) (add a line '\(user.name):100000:65536', or usermod --add-subgids)")
        }
        guard MountCalls.isReadableAndWritable("/dev/fuse") else {
            throw .rootless("/dev/fuse cannot be opened by \(user.name) (it should be mode 0666, as on a default Debian host)")
        }
        return RootlessIdentity(
            uidMap: [IDMapRange(inside: 0, outside: user.uid, count: 1), IDMapRange(inside: 1, outside: uids.start, count: uids.count)],
            gidMap: [IDMapRange(inside: 0, outside: user.gid, count: 1), IDMapRange(inside: 1, outside: gids.start, count: gids.count)])
    }

    /// The first range /etc/subuid (or subgid) gives `user` (by name or by number), at most `mappedCount` long.
    static func subordinateRange(in path: String, user: String, id: uid_t) -> (start: UInt32, count: UInt32)? {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[0] == user || fields[0] == String(id),
                  let start = UInt32(fields[1]), let count = UInt32(fields[2]), count > 0 else { continue }
            return (start, min(count, mappedCount))
        }
        return nil
    }

    static func currentUser() -> (name: String, uid: uid_t, gid: gid_t) {
        let uid = geteuid(), gid = getegid()
        let name = getpwuid(uid).map { String(cString: $0.pointee.pw_name) } ?? String(uid)
        return (name, uid, gid)
    }
}
