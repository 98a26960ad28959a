import Foundation
import LaminaSystem
import Testing
@testable import LaminaRuntime

/// What `lamina run` checks before a plain user's container is made: each missing piece is named
/// in one line, and the maps are podman's (0 = the user, 1... = the first subordinate range).
@Suite struct RootlessIdentityTests {
    private func files(_ subuid: String, _ subgid: String) throws -> (String, String, TemporaryFiles) {
        let temporary = TemporaryFiles()
        return (try temporary.write(subuid), try temporary.write(subgid), temporary)
    }

    @Test func hostRootNeedsNoNamespace() throws {
        #expect(try RootlessIdentity.prepare(mounter: .lamina, privilege: .hostRoot) == nil)
    }

    @Test(.enabled(if: MountCalls.isReadableAndWritable("/dev/fuse") && UserNamespace.mapHelper("newuidmap") != nil,
                   "needs /dev/fuse and newuidmap (uidmap)"))
    func mapsLikePodman() throws {
        let (subuid, subgid, temporary) = try files("other:1:5\nalice:200000:100000\n", "1000:300000:65536\n")
        defer { temporary.remove() }
        let identity = try #require(try RootlessIdentity.prepare(
            mounter: .lamina, privilege: .user, user: ("alice", 1000, 1000), subuid: subuid, subgid: subgid))
        #expect(identity.uidMap == [IDMapRange(inside: 0, outside: 1000, count: 1), IDMapRange(inside: 1, outside: 200000, count: 65536)])
        #expect(identity.gidMap == [IDMapRange(inside: 0, outside: 1000, count: 1), IDMapRange(inside: 1, outside: 300000, count: 65536)])
    }

    @Test(arguments: [
        (Privilege.namespaceRoot, RootfsMounter.Kind.lamina, "alice:1:65536", "inside a user namespace is not supported"),
        (.user, .kernel, "alice:1:65536", "LAMINA_ROOTFS_MOUNTER=kernel needs root"),
        (.user, .lamina, "bob:1:65536", "alice has no subordinate uids in"),
    ])
    func refusalsSayWhy(_ privilege: Privilege, _ mounter: RootfsMounter.Kind, _ subuidText: String, _ message: String) throws {
        let (subuid, subgid, temporary) = try files(subuidText, "alice:1:65536")
        defer { temporary.remove() }
        #expect {
            _ = try RootlessIdentity.prepare(mounter: mounter, privilege: privilege, user: ("alice", 1000, 1000), subuid: subuid, subgid: subgid)
        } throws: { "\($0)".contains(message) && "\($0)".hasPrefix("cannot run a container without root: ") }
    }
}

/// Small files under /tmp for one test, removed by `remove()`.
final class TemporaryFiles {
    private var paths: [String] = []

    func write(_ text: String) throws -> String {
        let path = "/tmp/lamina-test-rootless-\(UUID().uuidString.prefix(8))"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        paths.append(path)
        return path
    }

    func remove() {
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
    }
}
