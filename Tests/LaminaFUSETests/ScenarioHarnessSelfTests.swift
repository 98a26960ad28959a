import Glibc
import LaminaSystem
import Testing

/// The comparison harness itself: each kind of difference the mount tests rely on is found, what
/// `UpperNormalisation` forgives is forgiven and nothing else, `KernelFormat` converts each format,
/// and `LowerGuard` sees a change even when it was undone. Plain directories, no mounts; root for
/// `trusted.*` xattrs, device nodes and chown.
@Suite("Scenario harness", .enabled(if: TestHost.isRoot, "the harness self-tests need root (trusted.* xattrs, mknod, chown)"))
struct ScenarioHarnessSelfTests {
    static let tree = """
        mkdir -p d/sub; echo a > d/a; echo b > d/b; ln d/a d/a2; ln -s a d/link
        setfattr -n user.k -v v d/a; chmod 0640 d/b
        """

    /// A change to the second copy, and a fragment of the difference it must produce.
    static let alterations: [(String, String)] = [
        ("chmod 0600 d/b", "d/b: mode 640"),
        ("chown 7:8 d/b", "d/b: owner 0:0"),
        ("echo c > d/b", "d/b: content"),
        ("truncate -s 0 d/b", "d/b: size"),
        ("setfattr -n user.k -v w d/a", "d/a: xattrs"),
        ("setfattr -x user.k d/a", "d/a: xattrs"),
        ("ln -sfn b d/link", "d/link: symlink target"),
        ("rm d/a2; cp -p d/a d/a2", "hard link groups"),
        ("rm d/b", "d/b: only in reference"),
        ("touch d/new", "d/new: only in candidate"),
        ("rm d/b; mkdir d/b", "d/b: type file"),
        ("touch -d 2001-01-01 d/b", "d/b: mtime"),
        ("touch d/b", "d/b: mtime"),
    ]

    @Test("finds each kind of difference", arguments: alterations)
    func findsDifference(_ alteration: String, _ expected: String) throws {
        let (reference, candidate) = try Self.twoCopies(alteration)
        let differences = TreeComparison(
            referenceName: "reference", candidateName: "candidate",
            policy: .visible(threshold: LayerStackFixture.epoch.advanced(bySeconds: 60))
        ).differences(reference, candidate)
        #expect(differences.contains { $0.contains(expected) }, "\(differences)")
    }

    @Test("identical copies show no difference")
    func identical() throws {
        let (reference, candidate) = try Self.twoCopies(":")
        let differences = TreeComparison(referenceName: "reference", candidateName: "candidate", policy: .visible(
            threshold: LayerStackFixture.epoch.advanced(bySeconds: 60))).differences(reference, candidate)
        #expect(differences.isEmpty, "\(differences)")
    }

    @Test("upper normalisation forgives bookkeeping only")
    func normalisation() throws {
        let (reference, candidate) = try Self.twoCopies(
            """
            mknod d/w c 0 0 2>/dev/null || true
            setfattr -n trusted.overlay.origin -v x d/a; setfattr -n trusted.overlay.redirect -v /d/sub d/sub
            """,
            reference: "mknod d/w c 0 0; chmod 0644 d/w; mkdir -p /tmp/unused; setfattr -n trusted.overlay.redirect -v sub d/sub")
        let comparison = TreeComparison(
            referenceName: "reference", candidateName: "candidate",
            policy: .visible(threshold: LayerStackFixture.epoch.advanced(bySeconds: 60)))
        let differences = comparison.differences(UpperNormalisation.apply(reference), UpperNormalisation.apply(candidate))
        #expect(differences.isEmpty, "\(differences)")
        #expect(!comparison.differences(reference, candidate).isEmpty, "without normalisation they differ")
    }

    @Test("kernel format conversion")
    func conversion() throws {
        let scratch = try ScratchDirectory("kernel-format")
        defer { scratch.remove() }
        let layer = try scratch.directory("layer")
        try Command.check(
            "/bin/sh",
            ["-euc", "mkdir -p d o u; : > d/.wh.gone; : > o/.wh..wh..opq; setfattr -n user.overlay.opaque -v y u"],
            in: layer)
        let conversions = try KernelFormat.convert(layer: layer)
        let after = TreeSnapshot.capture(layer)
        #expect(conversions.count == 3, "\(conversions)")
        #expect(after.entries["d/gone"]?.isWhiteoutDevice == true)
        #expect(after.entries["d/.wh.gone"] == nil && after.entries["o/.wh..wh..opq"] == nil)
        #expect(after.entries["o"]?.extendedAttributes["trusted.overlay.opaque"] == Array("y".utf8))
        #expect(after.entries["u"]?.extendedAttributes == ["trusted.overlay.opaque": Array("y".utf8)])
    }

    @Test("the lower guard sees a change that was undone", arguments: [
        "chmod 0600 d/b; chmod 0640 d/b", "setfattr -n user.x -v 1 d/a; setfattr -x user.x d/a", "touch d/new; rm d/new",
        "cat d/a",
    ])
    func lowerGuard(_ change: String) throws {
        let scratch = try ScratchDirectory("lower-guard")
        defer { scratch.remove() }
        let layer = try scratch.directory("layer")
        try Command.check("/bin/sh", ["-euc", Self.tree], in: layer)
        let guardian = LowerGuard(layers: [layer])
        usleep(20_000)  // ctime has clock granularity: let it move
        try Command.check("/bin/sh", ["-euc", change], in: layer)
        let changes = guardian.changes(by: "a test")
        if change == "cat d/a" {
            #expect(changes.isEmpty, "reading changes nothing: \(changes)")
        } else {
            #expect(!changes.isEmpty, "\(change) should show")
        }
    }

    /// A name set makes exactly its bytes where a script names `a`, `b`, `file`, `low` and `.wh.a`, leaves
    /// other words alone, and its keys find what the script made; copying keeps every name.
    @Test("name sets make the bytes they name", arguments: NameSet.odd)
    func nameSet(_ names: NameSet) throws {
        let scratch = try ScratchDirectory("name-set")
        defer { scratch.remove() }
        let layer = try scratch.directory("layer")
        let script = "mkdir d; echo a > d/a; : > d/b; mkdir d/a2; : > d/file; : > d/low; ln -s a d/link"
            + (names.fits(["d/.wh.a"]) ? "; : > d/.wh.a" : "")
        try Command.check("/bin/sh", ["-euc", names.apply(to: script)], in: layer)
        let directory = try PathText.openDirectory(layer, ["d"] as [FileName])
        defer { directory.close() }
        let made = Set(try directory.directoryRecords().map(\.name.bytes))
        var expected: Set<[UInt8]> = [Array("a2".utf8), Array("link".utf8)]
        for entry in names.names { expected.insert(entry.bytes) }
        if names.fits(["d/.wh.a"]) { expected.insert(Array(".wh.".utf8) + names.names[0].bytes) }
        #expect(made == expected)
        try LayerStackFixture.copy(layer, to: scratch.path + "/copy")
        let copy = TreeSnapshot.capture(scratch.path + "/copy")
        #expect(copy.entries[names.key("d/a")]?.content == Content(Array("a\n".utf8)))
        #expect(copy.entries[names.key("d/link")]?.linkTarget == Array("a".utf8))
        #expect(copy.entries.count == expected.count + 2, "\(copy.entries.keys.sorted())")
    }

    /// The tree built twice (`cp -a`), `alteration` run in the second copy (and `reference` in the first).
    /// Kernel overlayfs's copy-up at an open for writing that never wrote (`UnchangedCopies`): a
    /// file whose data, mode, owner, mtime and xattrs are the lower file's, and no other.
    static let copies: [(String, Bool)] = [
        (":", true), ("chmod 0600 d/b", false), ("chown 7:8 d/b", false), ("echo c > d/b", false),
        ("touch d/b", false), ("setfattr -n user.k -v w d/b", false), ("rm d/b; mkdir d/b", false),
    ]

    @Test("an unchanged copy is told from a changed one", arguments: copies)
    func unchangedCopy(_ alteration: String, _ unchanged: Bool) throws {
        let (lower, upper) = try Self.twoCopies(alteration)
        let copies = UnchangedCopies(in: upper, lowers: [lower])
        #expect(copies.paths.contains("d/b") == unchanged, "\(copies.paths.sorted())")
        let dropped = copies.droppingCopies(from: upper, lowers: [lower])
        #expect((dropped.entries["d/b"] == nil) == unchanged)
    }

    @Test("a lower hard link only the kernel copied up leaves its group in the candidate's view, and only there")
    func candidateViewOfUnchangedCopy() throws {
        // The reference broke the link d/a, d/a2 as a copy-up does; the candidate still shows it.
        let (candidate, reference) = try Self.twoCopies("rm d/a2; cp --preserve=all d/a d/a2; touch -d @1577836800 d")
        let comparison = TreeComparison(referenceName: "reference", candidateName: "candidate", policy: .visible(
            threshold: LayerStackFixture.epoch.advanced(bySeconds: 60)))
        #expect(comparison.differences(reference, candidate).contains { $0.contains("hard link groups") })
        let copies = UnchangedCopies(in: reference, lowers: [candidate])
        #expect(copies.paths.contains("d/a2"))
        let notCopied = copies.candidateView(candidate, reference: reference, candidateUpper: TreeSnapshot(root: "", entries: [:]))
        let differences = comparison.differences(reference, notCopied)
        #expect(differences.isEmpty, "\(differences)")
        // A candidate that made its own copy is compared as it is.
        let copied = copies.candidateView(candidate, reference: reference, candidateUpper: candidate)
        #expect(comparison.differences(reference, copied).contains { $0.contains("hard link groups") })
    }

    static func twoCopies(_ alteration: String, reference: String = ":") throws -> (TreeSnapshot, TreeSnapshot) {
        let scratch = try ScratchDirectory("harness")
        defer { scratch.remove() }
        let first = try scratch.directory("first")
        try Command.check("/bin/sh", ["-euc", tree], in: first)
        try LayerStackFixture.resetTimes(under: first)
        try LayerStackFixture.copy(first, to: scratch.path + "/second")
        try Command.check("/bin/sh", ["-euc", reference], in: first)
        try Command.check("/bin/sh", ["-euc", alteration], in: scratch.path + "/second")
        return (TreeSnapshot.capture(first), TreeSnapshot.capture(scratch.path + "/second"))
    }
}

extension Timestamp {
    func advanced(bySeconds seconds: Int) -> Timestamp { Timestamp(seconds: self.seconds + seconds, nanoseconds: nanoseconds) }
}

