/// The users and groups of a container's image (its /etc/passwd and /etc/group), to turn
/// `-u NAME[:GROUP]` or an image's `User` into ids, home directory and supplementary groups.
///
/// Immutable value read once per container start.
struct UserDatabase: Sendable {
    struct Account: Sendable {
        var name: String
        var uid: UInt32
        var gid: UInt32
        var home: String
    }

    struct Group: Sendable {
        var name: String
        var gid: UInt32
        var members: [String]
    }

    var accounts: [Account]
    var groups: [Group]

    /// The resolved identity of the container's process.
    struct Identity: Sendable, Equatable {
        var uid: UInt32
        var gid: UInt32
        var additionalGids: [UInt32]
        var home: String
    }

    init(rootfs: String) {
        accounts = Self.lines(RootfsPath.contents("/etc/passwd", in: rootfs)).compactMap { fields in
            guard fields.count >= 7, let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) else { return nil }
            return Account(name: fields[0], uid: uid, gid: gid, home: fields[5])
        }
        groups = Self.lines(RootfsPath.contents("/etc/group", in: rootfs)).compactMap { fields in
            guard fields.count >= 4, let gid = UInt32(fields[2]) else { return nil }
            return Group(name: fields[0], gid: gid, members: fields[3].split(separator: ",").map(String.init))
        }
    }

    /// Resolves `USER[:GROUP]` (names or numbers; empty means root). A number need not exist in
    /// /etc/passwd; a name must.
    func identity(for text: String) throws(RuntimeError) -> Identity {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userText = parts.first ?? ""
        var identity = Identity(uid: 0, gid: 0, additionalGids: [], home: "/")
        var account: Account?
        if userText.isEmpty {
            account = accounts.first { $0.uid == 0 }
        } else if let uid = UInt32(userText) {
            account = accounts.first { $0.uid == uid }
            identity.uid = uid
        } else {
            guard let named = accounts.first(where: { $0.name == userText }) else {
                throw .userNotFound("unable to find user \(userText): no matching entry in the image's /etc/passwd")
            }
            account = named
        }
        if let account {
            identity.uid = account.uid
            identity.gid = account.gid
            identity.home = account.home
            identity.additionalGids = groups.filter { $0.members.contains(account.name) && $0.gid != account.gid }.map(\.gid)
        }
        if parts.count == 2 {
            if let gid = UInt32(parts[1]) {
                identity.gid = gid
            } else if let group = groups.first(where: { $0.name == parts[1] }) {
                identity.gid = group.gid
            } else {
                throw .userNotFound("unable to find group \(parts[1]): no matching entry in the image's /etc/group")
            }
        }
        return identity
    }

    private static func lines(_ text: String?) -> [[String]] {
        (text ?? "").split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
            $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        }
    }
}
