import LaminaOverlay
import Testing
@testable import LaminaFUSE

/// uidmapping/gidmapping and squash_to_* as fuse-overlayfs defines them.
@Suite struct IDMappingTests {
    @Test func rangesMapBothWays() throws {
        var mapping = IDMapping()
        mapping.uidRanges = try IDMapping.ranges(parsing: "0:1000:1:1:110000:65536", option: "uidmapping")
        #expect(mapping.shownUID(0) == 1000)
        #expect(mapping.shownUID(1) == 110000)
        #expect(mapping.shownUID(65536) == 175535)
        #expect(mapping.shownUID(70000) == IDMapping.overflowID)
        #expect(mapping.diskUID(1000) == 0)
        #expect(mapping.diskUID(110005) == 6)
        #expect(mapping.diskUID(5) == IDMapping.overflowID)
        #expect(mapping.shownGID(42) == 42)
    }

    @Test func squashChangesOnlyWhatIsShown() {
        var mapping = IDMapping()
        mapping.squashUID = 0
        mapping.squashGID = 0
        #expect(mapping.shownUID(1234) == 0)
        #expect(mapping.shownGID(99) == 0)
        #expect(mapping.diskUID(1234) == 1234)
        #expect(!mapping.isIdentity)
        #expect(IDMapping().isIdentity)
    }

    /// ACLs name users and groups by id: mapped by the ranges both ways, owners' entries untouched.
    @Test func accessControlListsMapped() throws {
        var mapping = IDMapping()
        mapping.uidRanges = try IDMapping.ranges(parsing: "0:1000:10", option: "uidmapping")
        mapping.gidRanges = try IDMapping.ranges(parsing: "0:2000:10", option: "gidmapping")
        let stored = AccessControlList(entries: [
            .init(tag: AccessControlList.Tag.owner, permissions: 6),
            .init(tag: AccessControlList.Tag.user, permissions: 4, id: 3),
            .init(tag: AccessControlList.Tag.owningGroup, permissions: 4),
            .init(tag: AccessControlList.Tag.group, permissions: 0, id: 5),
            .init(tag: AccessControlList.Tag.mask, permissions: 4),
            .init(tag: AccessControlList.Tag.other, permissions: 0),
        ])
        let shown = mapping.shownAttribute(AccessControlList.accessAttribute, stored.attribute)
        let parsed = try #require(AccessControlList(attribute: shown))
        #expect(parsed.entries.map(\.id) == [UInt32.max, 1003, UInt32.max, 2005, UInt32.max, UInt32.max])
        #expect(mapping.diskAttribute(AccessControlList.defaultAttribute, shown) == stored.attribute)
        // Other attributes, unparsable lists and the identity mapping pass unchanged.
        #expect(mapping.shownAttribute("user.x", stored.attribute) == stored.attribute)
        #expect(mapping.shownAttribute(AccessControlList.accessAttribute, [1, 2, 3]) == [1, 2, 3])
        #expect(IDMapping().shownAttribute(AccessControlList.accessAttribute, stored.attribute) == stored.attribute)
    }

    /// containers/storage starts each range with a colon (`uidmapping=:0:1:1000:1000:2000:5`).
    @Test func podmanLeadingColons() throws {
        let ranges = try IDMapping.ranges(parsing: ":0:1:1000:1000:2000:5", option: "uidmapping")
        #expect(ranges == [IDMapping.Range(disk: 0, shown: 1, count: 1000), IDMapping.Range(disk: 1000, shown: 2000, count: 5)])
    }

    @Test(arguments: ["", ":", "1:2", "a:b:c", "0:0:0", "1:2:3:4"])
    func malformedMappings(_ text: String) {
        #expect(throws: MountError.self) { _ = try IDMapping.ranges(parsing: text, option: "uidmapping") }
    }
}
