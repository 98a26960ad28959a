import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

@Suite struct DirectoryListingTests {
    @Test func mergesLayersEachNameOnce() throws {
        let fixture = try LayerFixture(lowers: 3)
        try fixture.file("l2/d/a", "")
        try fixture.file("l2/d/shared", "deep")
        try fixture.file("l1/d/b", "")
        try fixture.file("l1/d/shared", "middle")
        try fixture.file("l0/d/c", "")
        let overlay = try fixture.overlay()
        let listing = try overlay.listing("d")
        #expect(listing.prefix(2).map(\.name) == [".", ".."])
        #expect(try overlay.names("d") == ["a", "b", "c", "shared"])
        #expect(try overlay.read("d/shared") == "middle")
        #expect(listing[0].inode == (try overlay.entry("d").attributes.st_ino))
        #expect(listing[1].inode == (try overlay.entry("").attributes.st_ino))
    }

    @Test(arguments: [1, 7, 64])
    func resumingFromEveryOffsetYieldsEachEntryOnce(count: Int) throws {
        let fixture = try LayerFixture(lowers: 2)
        for index in 0..<count { try fixture.file("l\(index % 2)/d/f\(index)", "") }
        let overlay = try fixture.overlay()
        let directory = try overlay.openDirectory(overlay.node("d"))
        defer { overlay.releaseDirectory(directory.handle) }
        let full = Array(try overlay.directoryEntries(directory.handle, from: 0))
        #expect(full.count == count + 2)
        #expect(Set(full.map(\.name)).count == full.count)
        for (position, entry) in full.enumerated() {
            let rest = Array(try overlay.directoryEntries(directory.handle, from: entry.offset))
            #expect(rest == Array(full[(position + 1)...]))
        }
        // Reading in small steps, resuming from the last offset, gives the same listing.
        var stepped: [DirectoryEntry] = []
        var offset: UInt64 = 0
        while let next = try overlay.directoryEntries(directory.handle, from: offset).first {
            stepped.append(next)
            offset = next.offset
        }
        #expect(stepped == full)
    }

    @Test func snapshotIgnoresLaterChanges() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/d/a", "")
        let overlay = try fixture.overlay()
        let directory = try overlay.openDirectory(overlay.node("d"))
        defer { overlay.releaseDirectory(directory.handle) }
        let first = Array(try overlay.directoryEntries(directory.handle, from: 0).prefix(2))
        _ = try overlay.create(parent: overlay.node("d"), name: "b", mode: 0o644, flags: O_WRONLY, caller: rootCaller)
        let rest = Array(try overlay.directoryEntries(directory.handle, from: first.last!.offset))
        #expect(rest.map(\.name) == ["a"])
        #expect(try overlay.names("d") == ["a", "b"])
    }

    @Test func tenThousandEntriesOverTenLayers() throws {
        let fixture = try LayerFixture(lowers: 10)
        var expected: Set<String> = []
        for layer in 0..<10 {
            let names = (0..<1000).map { "l\(layer)-\($0)" }
            try fixture.emptyFiles(in: "l\(layer)/big", names)
            expected.formUnion(names)
            try fixture.file("l\(layer)/big/common", "\(layer)")
        }
        expected.insert("common")
        // Layer 0 deletes 100 names of layer 9.
        for index in 0..<100 { try fixture.deviceWhiteout("l0/big/l9-\(index)") }
        for index in 0..<100 { expected.remove("l9-\(index)") }
        let overlay = try fixture.overlay()
        #expect(Set(try overlay.names("big")) == expected)
        #expect(try overlay.read("big/common") == "0")
        let big = try overlay.node("big")
        #expect(try overlay.lookup(parent: big, name: "l9-500").attributes.st_size == 0)
        #expect(overlay.errno { _ = try overlay.lookup(parent: big, name: "l9-5") } == ENOENT)
        #expect(try overlay.entry("big").attributes.st_nlink == 1)
    }

    @Test func entryInodesMatchStat() throws {
        let fixture = try LayerFixture(lowers: 2)
        try fixture.file("l1/d/low", "")
        try fixture.file("l0/d/high", "")
        try fixture.directory("l1/d/sub")
        try fixture.directory("l0/d/sub")
        let overlay = try fixture.overlay()
        try overlay.write("d/low", "copied")
        for entry in try overlay.listing("d") where entry.name != "." && entry.name != ".." {
            #expect(entry.inode == (try overlay.entry("d/\(entry.name)").attributes.st_ino), "\(entry.name)")
        }
    }
}

/// The kernel's readdir cache can be filled from a READDIR reply older than the directory version
/// it is stamped with when two listings fill it at once (two readers from offset 0 while a name is
/// created), which left created names missing from listings and unlinked ones listed on writable
/// mounts (`ChaosTests`, listing churn, in LaminaFUSETests). Only a listing opened with the flag
/// stamps or fills that cache, so on a writable mount one open listing of a directory at a time
/// gets it; a read-only mount cannot change, and every listing gets it.
@Suite struct ListingCacheTests {
    @Test func readOnlyListingsAreAllCacheable() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/d/f", "data")
        let overlay = try fixture.overlay(writable: false)
        let first = try overlay.openDirectory(overlay.node("d"))
        let second = try overlay.openDirectory(overlay.node("d"))
        defer { for opened in [first, second] { overlay.releaseDirectory(opened.handle) } }
        #expect(first.cacheable && second.cacheable)
    }

    @Test func writableMountsCacheOneOpenListingADirectory() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/d/f", "data")
        try fixture.file("l0/e/f", "data")
        let overlay = try fixture.overlay(writable: true)
        let first = try overlay.openDirectory(overlay.node("d"))
        let second = try overlay.openDirectory(overlay.node("d"))
        let other = try overlay.openDirectory(overlay.node("e"))
        #expect(first.cacheable, "the first open listing of d")
        #expect(!second.cacheable, "a second listing of d while the first is open")
        #expect(other.cacheable, "another directory has a turn of its own")
        overlay.releaseDirectory(second.handle)
        let third = try overlay.openDirectory(overlay.node("d"))
        #expect(!third.cacheable, "releasing a listing without the turn gives back nothing")
        overlay.releaseDirectory(third.handle)
        overlay.releaseDirectory(first.handle)
        let fourth = try overlay.openDirectory(overlay.node("d"))
        #expect(fourth.cacheable, "the turn comes back when its listing is released")
        for opened in [fourth, other] { overlay.releaseDirectory(opened.handle) }
    }
}
