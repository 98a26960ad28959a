import Testing

/// Whiteouts and opaque directories in lower layers, in every format Lamina reads, compared with
/// kernel overlayfs. Formats the kernel does not read (OCI `.wh.` files, `user.overlay.*` without
/// `userxattr`) are compared against the kernel mounted on a converted copy (see `KernelFormat`).
@Suite("Whiteout formats in lower layers", TestHost.mountComparisons)
struct ScenarioWhiteoutTests {
    /// A deletion made by the middle of three layers, and what the kernel's view must then show
    /// (which proves the fixture and the conversion did what the row says).
    struct Format: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let middleLayer: String
        let hidden: [String]
        let shown: [String]
    }

    static let base = """
        mkdir -p d/sub d/keep
        echo base-a > d/a; echo base-b > d/b; echo s > d/sub/s; echo k > d/keep/k
        setfattr -n user.note -v base d/a
        """
    static let top = "mkdir -p d; echo top > d/top"

    static let formats: [Format] = [
        Format(
            testDescription: "0/0 character device hides a file", middleLayer: "mkdir d; mknod d/a c 0 0",
            hidden: ["d/a"], shown: ["d/b", "d/top"]),
        Format(
            testDescription: "0/0 character device hides a directory", middleLayer: "mkdir d; mknod d/keep c 0 0",
            hidden: ["d/keep", "d/keep/k"], shown: ["d/a"]),
        Format(
            testDescription: "OCI .wh.NAME hides a file", middleLayer: "mkdir d; : > d/.wh.a",
            hidden: ["d/a", "d/.wh.a"], shown: ["d/b"]),
        Format(
            testDescription: "OCI .wh.NAME hides a directory", middleLayer: "mkdir d; : > d/.wh.keep",
            hidden: ["d/keep", "d/.wh.keep"], shown: ["d/b"]),
        Format(
            testDescription: "overlay.whiteout xattr in an opaque=x directory",
            middleLayer: """
                mkdir d; setfattr -n trusted.overlay.opaque -v x d
                : > d/a; setfattr -n trusted.overlay.whiteout -v y d/a
                """,
            hidden: ["d/a"], shown: ["d/b", "d/sub/s"]),
        Format(
            testDescription: "trusted.overlay.opaque=y",
            middleLayer: "mkdir -p d/sub; setfattr -n trusted.overlay.opaque -v y d/sub; echo m > d/sub/m",
            hidden: ["d/sub/s"], shown: ["d/sub/m", "d/a"]),
        Format(
            testDescription: "user.overlay.opaque=y",
            middleLayer: "mkdir -p d/sub; setfattr -n user.overlay.opaque -v y d/sub; echo m > d/sub/m",
            hidden: ["d/sub/s"], shown: ["d/sub/m", "d/a"]),
        Format(
            testDescription: "OCI .wh..wh..opq", middleLayer: "mkdir -p d/sub; : > d/sub/.wh..wh..opq; echo m > d/sub/m",
            hidden: ["d/sub/s", "d/sub/.wh..wh..opq"], shown: ["d/sub/m", "d/a"]),
    ]

    static let script = """
        ls -a d d/sub
        cat d/a d/b d/sub/s
        echo again > d/a
        rm d/b
        echo x > d/sub/x
        mkdir d/keep 2>&1 || true
        ls -a d d/sub
        """

    @Test("read in the merged view and written over", arguments: formats)
    func format(_ format: Format) throws {
        let scenario = Scenario(
            format.testDescription, layers: [Self.base, format.middleLayer, Self.top], script: Self.script,
            comparesInitialView: true)
        let report = try MountComparison.run(scenario)
        let kernelView = try #require(report.reference.initialView)
        for path in format.hidden {
            #expect(kernelView.entries[path] == nil, "fixture: the kernel should not show \(path)")
        }
        for path in format.shown {
            #expect(kernelView.entries[path] != nil, "fixture: the kernel should show \(path)")
        }
        #expect(report.differences.isEmpty, report.explanation)
    }

    /// Every format again with each odd name set (`NameSet`) that its markers fit: `a` and `b` are
    /// then 255-byte names (no `.wh.` name can hold one), names that are not UTF-8, or NFC and NFD
    /// `café` in one directory, where a whiteout of `a` must leave `b` shown.
    static let oddNameRows: [(NameSet, Format)] = NameSet.odd.flatMap { names in
        formats.filter { names.fits([$0.middleLayer]) }.map { (names, $0) }
    }

    @Test("odd names", arguments: oddNameRows)
    func oddNames(_ names: NameSet, _ format: Format) throws {
        let scenario = Scenario(
            format.testDescription, layers: [Self.base, format.middleLayer, Self.top], script: Self.script,
            comparesInitialView: true
        ).withNames(names)
        let report = try MountComparison.run(scenario)
        let kernelView = try #require(report.reference.initialView)
        for path in format.hidden { #expect(kernelView.entries[names.key(path)] == nil, "fixture: the kernel hides \(path)") }
        for path in format.shown { #expect(kernelView.entries[names.key(path)] != nil, "fixture: the kernel shows \(path)") }
        #expect(report.differences.isEmpty, report.explanation)
    }

    /// NFC and NFD `café` in one lower directory: removing either one leaves the other, in the
    /// merged view and in the upper layer's whiteout (named by exactly the removed bytes).
    @Test("a whiteout of NFC or NFD caf\u{E9} hides only that name", arguments: ["a", "b"])
    func normalisationPair(_ removed: String) throws {
        let names = NameSet.normalisation
        let scenario = Scenario(
            "remove \(removed) of an NFC/NFD pair", layers: [Self.base, Self.top],
            script: "rm d/\(removed); ls -a d; cat d/a d/b; echo new > d/\(removed); ls -a d"
        ).withNames(names)
        let report = try MountComparison.run(scenario)
        let kept = removed == "a" ? "d/b" : "d/a"
        #expect(report.reference.finalView.entries[names.key(kept)]?.content != nil, "fixture: the kernel keeps \(kept)")
        #expect(report.candidate.finalView.entries[names.key(kept)]?.content == report.reference.finalView.entries[names.key(kept)]?.content)
        #expect(report.differences.isEmpty, report.explanation)
    }

    @Test("read-only mount", arguments: formats)
    func readOnly(_ format: Format) throws {
        let scenario = Scenario(
            format.testDescription, layers: [Self.base, format.middleLayer, Self.top],
            script: "ls -a d d/sub; cat d/a d/b d/sub/s; touch d/new", writable: false, comparesInitialView: true)
        let report = try MountComparison.run(scenario)
        #expect(report.reference.transcript.contains("Read-only file system"), "fixture: a read-only kernel mount")
        #expect(report.differences.isEmpty, report.explanation)
    }
}
