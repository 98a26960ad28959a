import Foundation
import Glibc
import LaminaSystem
import Testing

/// The first readdirplus reply of a large listing carries few entries (`Bridge.readDirectoryPlus`),
/// so a plain listing does not make the daemon stat a buffer of entries nobody asked about. Shown
/// by which later stats reach the daemon: after a directory is listed whole (names only, as `ls`
/// does), a stat of a name whose attributes came with the listing is answered by the kernel, and
/// one of a name that came without them is a LOOKUP, which the daemon's trace log (`-d`) names.
@Suite("Readdirplus replies", TestHost.mountComparisons, .serialized)
struct ReaddirPlusTests {
    @Test("a plain listing of a 5,000-entry directory carries attributes for its first entries only")
    func firstReplyOfLargeListing() throws {
        let scratch = try ScratchDirectory("readdirplus")
        defer { scratch.remove() }
        let mounted = try PassthroughMount(scratch: scratch, lower: { lower in
            for (directory, count) in [("large", 5_000), ("small", 1_000)] {
                try FileManager.default.createDirectory(atPath: lower + "/" + directory, withIntermediateDirectories: false)
                for index in 0..<count {
                    let path = lower + "/\(directory)/\(directory.prefix(1))\(index)"
                    guard FileManager.default.createFile(atPath: path, contents: nil) else { throw HarnessError("cannot create \(path)") }
                }
            }
        }, options: "passthrough=off", writable: false)
        defer { mounted.unmount() }

        let large = try DirectoryStream(mounted.mountpoint + "/large").names()  // readdir order, no stat
        #expect(large.count == 5_000 && Set(large).count == 5_000, "listed \(large.count) names, \(Set(large).count) distinct")
        // Names 40-99 in listing order lie past the first reply's 32 entries ("." and ".." among them).
        let later = Array(large[40..<100])
        // The 20 first names of a small directory fit in any first reply, even a one-page one.
        let small = Array(try DirectoryStream(mounted.mountpoint + "/small").names().prefix(20))
        for name in later { _ = try PosixCall.lstat(mounted.mountpoint + "/large/" + name) }
        for name in small { _ = try PosixCall.lstat(mounted.mountpoint + "/small/" + name) }

        let log = try Self.logAfterMarker(mounted)
        let lookedUp = Set(log.compactMap { line in line.range(of: "lookup parent=").flatMap { _ in line.split(separator: "name=").last.map(String.init) } })
        let laterLookedUp = later.filter(lookedUp.contains)
        let smallLookedUp = small.filter(lookedUp.contains)
        #expect(laterLookedUp.count == later.count,
                "\(later.count - laterLookedUp.count) of the names past the first reply came with attributes: \(later.filter { !lookedUp.contains($0) }.prefix(5))")
        #expect(smallLookedUp.isEmpty, "names of the small directory's first reply were looked up again: \(smallLookedUp.prefix(5))")
    }

    /// The daemon's log lines once it has logged the lookup of a marker name looked up last (so
    /// every earlier request is in the log that the test reads).
    static func logAfterMarker(_ mounted: PassthroughMount) throws -> [Substring] {
        var status = stat()
        _ = lstat(mounted.mountpoint + "/marker-missing", &status)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let lines = mounted.daemon.result().errorOutput.split(separator: "\n")
            if lines.contains(where: { $0.hasSuffix("name=marker-missing") }) { return lines }
            usleep(20_000)
        }
        throw HarnessError("the daemon's log never named the marker lookup")
    }
}
