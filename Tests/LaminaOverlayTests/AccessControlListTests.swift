import Glibc
import Testing
@testable import LaminaOverlay

/// The ACL attribute form and what a default list gives a new entry (`posix_acl_create`). The
/// mount-level comparison with kernel overlayfs is LaminaFUSETests' `AccessControlListTests`;
/// these cases pin the rule itself.
@Suite struct AccessControlListFormTests {
    typealias Tag = AccessControlList.Tag

    static func list(_ entries: [(UInt16, UInt16, UInt32)]) -> AccessControlList {
        AccessControlList(entries: entries.map { .init(tag: $0.0, permissions: $0.1, id: $0.2) })
    }

    /// The bytes setfacl writes for `u::rwx,u:65534:r-x,g::r-x,m::rwx,o::---` (version 2, then
    /// tag, permissions and id per entry, little-endian).
    static let stored: [UInt8] = [2, 0, 0, 0,
                                  1, 0, 7, 0, 0xFF, 0xFF, 0xFF, 0xFF,
                                  2, 0, 5, 0, 0xFE, 0xFF, 0, 0,
                                  4, 0, 5, 0, 0xFF, 0xFF, 0xFF, 0xFF,
                                  0x10, 0, 7, 0, 0xFF, 0xFF, 0xFF, 0xFF,
                                  0x20, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]

    @Test func parsesAndWritesTheKernelsForm() throws {
        let parsed = try #require(AccessControlList(attribute: Self.stored))
        #expect(parsed.entries.count == 5)
        #expect(parsed.entries[1] == .init(tag: Tag.user, permissions: 5, id: 65534))
        #expect(parsed.attribute == Self.stored)
    }

    @Test(arguments: [[], [2, 0, 0], [1, 0, 0, 0], [2, 0, 0, 0, 1, 0, 7]] as [[UInt8]])
    func refusesOtherForms(_ bytes: [UInt8]) {
        #expect(AccessControlList(attribute: bytes) == nil)
    }

    /// A list with a mask: the mask narrows to the mode's group bits, the mode's group bits to the
    /// mask; named entries are kept as they are and make an access list necessary.
    @Test func maskNarrowsAndNamedEntriesStay() throws {
        let defaults = try #require(AccessControlList(attribute: Self.stored))
        let file = try #require(defaults.inherited(by: 0o666, type: S_IFREG))
        #expect(file.mode == 0o660)
        #expect(file.access == Self.list([(Tag.owner, 6, .max), (Tag.user, 5, 65534), (Tag.owningGroup, 5, .max),
                                           (Tag.mask, 6, .max), (Tag.other, 0, .max)]))
        #expect(file.defaults == nil)
        let directory = try #require(defaults.inherited(by: 0o2777, type: S_IFDIR))
        #expect(directory.mode == 0o2770)
        #expect(directory.defaults == defaults)
    }

    /// Without a mask or named entries the mode says it all: no access list is stored, and the
    /// owning group's entry is the group class.
    @Test func equivalentListGivesAModeOnly() throws {
        let defaults = Self.list([(Tag.owner, 7, .max), (Tag.owningGroup, 5, .max), (Tag.other, 0, .max)])
        let file = try #require(defaults.inherited(by: 0o644, type: S_IFREG))
        #expect(file.mode == 0o640)
        #expect(file.access == nil)
        #expect(defaults.inherited(by: 0o777, type: S_IFDIR)?.mode == 0o750)
    }

    @Test func incompleteListsAreRefused() {
        #expect(Self.list([(Tag.owner, 7, .max), (Tag.other, 0, .max)]).inherited(by: 0o666, type: S_IFREG) == nil)
        #expect(Self.list([(Tag.owningGroup, 7, .max), (Tag.other, 0, .max)]).inherited(by: 0o666, type: S_IFREG) == nil)
        #expect(Self.list([(Tag.owner, 7, .max), (Tag.owningGroup, 7, .max), (Tag.other, 0, .max), (0x40, 7, .max)])
            .inherited(by: 0o666, type: S_IFREG) == nil)
    }
}
