import Testing

/// Directory chains deeper than PATH_MAX, in a lower layer and made through the mount, walked one
/// directory at a time with the `*at` calls (no call sees a whole path), compared with kernel
/// overlayfs: stat, readdir, create, rename and unlink at the bottom, the copy-up of a file there
/// (and of the 40 directories above it), and a new chain of 40 more levels below it. The harness
/// reads, copies and guards the layers through descriptors too (`TreeSnapshot`, `LayerCopy`).
@Suite("Paths deeper than PATH_MAX", TestHost.mountComparisons)
struct DeepPathTests {
    /// 40 levels of 200-byte names: 8,000 bytes of path, twice PATH_MAX (4,096).
    static let depth = 40

    @Test("a chain of 40 levels of 200-byte names, walked with *at calls", arguments: ImplementationUnderTest.laminaFrontEnds)
    func deepChain(_ implementation: ImplementationUnderTest) throws {
        let scenario = Scenario(
            "deep chain", layers: ["deep-tree make deep \(Self.depth)", "mkdir deep; echo top > deep/top"],
            script: "deep-tree exercise deep \(Self.depth); ls deep")
        let report = try MountComparison.run(scenario, on: implementation)
        #expect(report.reference.transcript.contains("walked down \(Self.depth) levels"), "fixture: the kernel walks the chain")
        #expect(report.reference.transcript.contains("append to bottom (copy-up): ok"), "fixture: the kernel copies up")
        let deepest = report.reference.upper?.entries.keys.map { $0.split(separator: "/").count }.max() ?? 0
        #expect(deepest > 2 * Self.depth, "fixture: the kernel's upper layer holds both chains")
        #expect(report.differences.isEmpty, report.explanation)
    }

    /// Lower directories of the chain renamed (kernel with `redirect_dir=on`, as Lamina renames
    /// lower directories by redirect): within their parents (relative redirects), and one to the
    /// top of the tree, which would need an absolute redirect of about 7,800 bytes: the kernel
    /// answers EXDEV there (its redirects stop at PATH_MAX), and so must Lamina.
    @Test("renaming lower directories deep in the chain", arguments: ImplementationUnderTest.laminaFrontEnds)
    func deepRenames(_ implementation: ImplementationUnderTest) throws {
        let scenario = Scenario(
            "deep renames", layers: ["deep-tree make deep \(Self.depth)"], script: "deep-tree move deep \(Self.depth)"
        ).withRedirects()
        let report = try MountComparison.run(scenario, on: implementation)
        #expect(report.reference.transcript.contains("rename its parent within the grandparent: ok"), "fixture: the kernel renames")
        #expect(report.reference.transcript.contains("rename its parent to the top: Invalid cross-device link"), "fixture: EXDEV")
        #expect(report.differences.isEmpty, report.explanation)
    }
}
