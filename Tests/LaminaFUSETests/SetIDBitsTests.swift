import Glibc
import LaminaSystem
import Testing
@testable import LaminaFUSE

/// The kernel's rules for set-ID bits as the daemon applies them (`SetIDBits`), case by case;
/// `SetIDTests` checks the same against kernel overlayfs through real mounts.
@Suite struct SetIDBitsTests {
    static let stranger = ProcessPrivileges(holdsFileSetID: false, groups: [65534])
    static let member = ProcessPrivileges(holdsFileSetID: false, groups: [1000, 50])
    static let privileged = ProcessPrivileges(holdsFileSetID: true, groups: [0])

    /// `rule` for a file of `type | mode` in group 50: the new mode in octal, or "kept".
    private func apply(
        _ rule: (mode_t, gid_t, ProcessPrivileges?) -> mode_t?, _ mode: mode_t, _ caller: ProcessPrivileges?, type: mode_t
    ) -> String {
        rule(type | mode, 50, caller).map { String($0, radix: 8) } ?? "kept"
    }

    private func afterData(_ mode: mode_t, _ caller: ProcessPrivileges?, type: mode_t = S_IFREG) -> String {
        apply(SetIDBits.afterDataChange, mode, caller, type: type)
    }

    @Test func dataChangeByAnotherUser() {
        #expect(afterData(0o4755, Self.stranger) == "755")
        #expect(afterData(0o2775, Self.stranger) == "775")
        #expect(afterData(0o6777, Self.stranger) == "777")
        // Set-group-ID without group execute: it goes unless the caller is in the file's group.
        #expect(afterData(0o2767, Self.stranger) == "767")
        #expect(afterData(0o2767, Self.member) == "kept")
        #expect(afterData(0o6767, Self.member) == "2767")
        #expect(afterData(0o0777, Self.stranger) == "kept")
    }

    /// Setting an access ACL: set-group-ID goes for a caller outside the group without
    /// CAP_FSETID, on any file type and whatever the group may execute; set-user-ID stays.
    @Test func accessListChange() {
        func after(_ mode: mode_t, _ caller: ProcessPrivileges?, type: mode_t = S_IFREG) -> String {
            apply(SetIDBits.afterAccessListChange, mode, caller, type: type)
        }
        #expect(after(0o6755, Self.stranger) == "4755")
        #expect(after(0o2745, Self.stranger) == "745")
        #expect(after(0o2775, Self.stranger, type: S_IFDIR) == "775")
        #expect(after(0o2775, nil) == "775")
        #expect(after(0o2775, Self.member) == "kept")
        #expect(after(0o2775, Self.privileged) == "kept")
        #expect(after(0o4755, Self.stranger) == "kept")
    }

    @Test func unknownCallersHaveNoPrivileges() {
        #expect(afterData(0o4755, nil) == "755")
        #expect(afterData(0o2767, nil) == "767")
    }

    @Test func fileSetIDCapabilityKeepsEverything() {
        for mode: mode_t in [0o4755, 0o2775, 0o6777, 0o2767] {
            #expect(afterData(mode, Self.privileged) == "kept")
        }
    }

    @Test func onlyRegularFiles() {
        #expect(afterData(0o2775, Self.stranger, type: S_IFDIR) == "kept")
    }

    @Test func ownerChange() {
        func after(_ mode: mode_t, _ caller: ProcessPrivileges?, type: mode_t = S_IFREG) -> String {
            apply(SetIDBits.afterOwnerChange, mode, caller, type: type)
        }
        // Set-user-ID goes whoever asks; so does set-group-ID with group execute.
        #expect(after(0o4755, Self.privileged) == "755")
        #expect(after(0o6755, Self.privileged) == "755")
        #expect(after(0o4755, Self.stranger, type: S_IFLNK) == "755")
        // Without group execute it stays for a member or a caller with CAP_FSETID.
        #expect(after(0o2745, Self.privileged) == "kept")
        #expect(after(0o2745, Self.member) == "kept")
        #expect(after(0o2745, Self.stranger) == "745")
        #expect(after(0o0755, Self.stranger) == "kept")
        #expect(after(0o2775, Self.stranger, type: S_IFDIR) == "kept")
    }
}
