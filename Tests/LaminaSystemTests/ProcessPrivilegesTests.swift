import Foundation
import Glibc
import Testing
@testable import LaminaSystem

/// /proc/PID/status read for a thread's set-ID privileges (`ProcessPrivileges`).
@Suite struct ProcessPrivilegesTests {
    static let status = """
        Name:\tsh
        Uid:\t1000\t1000\t1000\t1000
        Gid:\t100\t100\t100\t101
        Groups:\t24 25 27 \n\
        CapInh:\t0000000000000000
        CapEff:\t0000000000000010
        """

    @Test func parsesCapabilityAndGroups() throws {
        let privileges = try #require(ProcessPrivileges.parse(status: Self.status, inInitialUserNamespace: true))
        #expect(privileges.holdsFileSetID)
        #expect(privileges.groups == [101, 24, 25, 27])
    }

    @Test func aCapabilityInAnotherUserNamespaceDoesNotCount() throws {
        let privileges = try #require(ProcessPrivileges.parse(status: Self.status, inInitialUserNamespace: false))
        #expect(!privileges.holdsFileSetID)
    }

    @Test func withoutTheCapability() throws {
        let status = Self.status.replacingOccurrences(of: "0000000000000010", with: "00000000a80425ef")
        let privileges = try #require(ProcessPrivileges.parse(status: status, inInitialUserNamespace: true))
        #expect(!privileges.holdsFileSetID)
    }

    @Test func malformedStatusIsNil() {
        #expect(ProcessPrivileges.parse(status: "Name:\tsh\nGid:\t1\t2\n", inInitialUserNamespace: true) == nil)
        #expect(ProcessPrivileges.parse(status: "CapEff:\tzz\nGid:\t1\t1\t1\t1\n", inInitialUserNamespace: true) == nil)
    }

    @Test func readsThisThreadAndNotThreadZero() throws {
        let mine = try #require(ProcessPrivileges.of(thread: getpid()))
        #expect(mine.groups.first == getegid())
        #expect(ProcessPrivileges.of(thread: 0) == nil)
    }
}
