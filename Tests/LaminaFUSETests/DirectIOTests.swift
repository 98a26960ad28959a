import Testing

/// O_DIRECT reads and writes (4096-byte aligned buffers, offsets and lengths) on a lower file, an
/// upper file and a new file, including writes past the end of a file and the first write to a
/// lower file (its copy-up), compared with kernel overlayfs: each call's count and the digest of
/// what it read, then the files' contents read back without O_DIRECT.
@Suite("O_DIRECT", TestHost.mountComparisons)
struct DirectIOTests {
    /// `lower` is 3 pages and 100 bytes (a short last read); `untouched` is copied up by its first
    /// O_DIRECT write.
    static let base = """
        mkdir dir
        head -c 12388 /dev/urandom > dir/lower
        head -c 8192 /dev/urandom > dir/untouched
        """

    static let script = """
        odirect read dir/lower 0 16384
        odirect read dir/lower 4096 8192
        odirect read dir/lower 16384 4096
        head -c 8192 /dev/zero | tr '\\0' u > dir/upper
        odirect read dir/upper 0 8192
        odirect write dir/upper 4096 4096 B
        odirect write dir/upper 16384 4096 C
        odirect read dir/upper 0 24576
        odirect write dir/new 0 8192 D create
        odirect write dir/new 12288 4096 E
        odirect read dir/new 0 16384
        odirect write dir/untouched 4096 4096 F
        odirect read dir/untouched 0 8192
        odirect write dir/untouched 8192 4096 G
        odirect read dir/lower 0 4096
        for f in lower upper new untouched; do echo "$f $(wc -c < dir/$f) $(sha1sum < dir/$f | cut -c1-16)"; done
        """

    @Test("aligned reads and writes", arguments: ImplementationUnderTest.laminaFrontEnds)
    func aligned(_ implementation: ImplementationUnderTest) throws {
        let report = try MountComparison.run(Scenario("O_DIRECT", layers: [Self.base], script: Self.script), on: implementation)
        #expect(report.reference.transcript.contains("write dir/untouched @4096: 4096 bytes"), "fixture: the kernel writes O_DIRECT")
        #expect(!report.reference.transcript.contains("Invalid argument"), "fixture: every call is aligned")
        #expect(report.differences.isEmpty, report.explanation)
    }
}
