import Testing

/// Copy-up: the first change to a file or directory of a lower layer, compared with kernel
/// overlayfs. Each row changes one thing (data or metadata) of an entry two directories deep in a
/// directory both lower layers hold; the upper layer must then hold the same copy the kernel makes
/// (data, mode, owner, times, xattrs, and the copied-up parents).
@Suite("Copy-up", TestHost.mountComparisons)
struct ScenarioCopyUpTests {
    static let base = """
        mkdir -p dir/nested
        printf 'line one\\nline two\\n' > dir/nested/file
        chmod 0640 dir/nested/file; chown 1000:1000 dir/nested/file
        setfattr -n user.origin -v lower dir/nested/file
        chmod 0750 dir/nested; chown 1001:1001 dir/nested; setfattr -n user.dirnote -v kept dir/nested
        head -c 300000 /dev/zero | tr '\\0' 'x' > dir/big
        ln -s nested/file dir/link
        mkfifo dir/fifo
        """
    static let second = "mkdir dir; echo second > dir/other"

    static let changes: [(String, String)] = [
        ("append", "echo appended >> dir/nested/file; cat dir/nested/file"),
        ("truncate shorter", "truncate -s 4 dir/nested/file; cat dir/nested/file"),
        ("truncate to zero on open", ": > dir/nested/file; wc -c < dir/nested/file"),
        ("grow with truncate", "truncate -s 400000 dir/big; wc -c < dir/big"),
        ("write inside a large file", "printf ZZ | dd of=dir/big bs=1 seek=150000 conv=notrunc status=none; tail -c 150002 dir/big | head -c 4"),
        ("chmod", "chmod 0604 dir/nested/file; stat -c %a dir/nested/file"),
        ("chown", "chown 2000:3000 dir/nested/file; stat -c %u:%g dir/nested/file"),
        ("touch -d", "touch -d '2001-02-03 04:05:06.789' dir/nested/file; stat -c %y dir/nested/file"),
        ("touch -d on a directory", "touch -d '2001-02-03 04:05:06' dir/nested; stat -c %y dir/nested"),
        ("chmod a directory", "chmod 0700 dir/nested; stat -c %a dir/nested"),
        ("setfattr adds", "setfattr -n user.added -v new dir/nested/file; getfattr -d dir/nested/file"),
        ("setfattr replaces", "setfattr -n user.origin -v changed dir/nested/file; getfattr -d dir/nested/file"),
        ("setfattr removes", "setfattr -x user.origin dir/nested/file; getfattr -d dir/nested/file"),
        ("setfattr on a directory", "setfattr -n user.added -v new dir/nested; getfattr -d dir/nested"),
        ("chmod through a symlink", "chmod 0600 dir/link; stat -c %a dir/nested/file"),
        ("chown a symlink itself", "chown -h 5:5 dir/link; stat -c %u:%g dir/link"),
        ("touch a fifo", "touch -d '2002-01-01' dir/fifo; stat -c '%F %y' dir/fifo"),
        ("create in a lower directory", "echo new > dir/nested/new; ls dir/nested"),
        (
            "the inode number stays",
            """
            before=$(stat -c %i dir/nested/file); echo x >> dir/nested/file
            [ "$before" = "$(stat -c %i dir/nested/file)" ] && echo same inode || echo inode changed
            """
        ),
        (
            "a reader open before the copy-up",
            #"python3 -c "f = open('dir/nested/file'); g = open('dir/nested/file', 'a'); g.write('more\n'); g.close(); print(repr(f.read()))""#
        ),
    ]

    /// Kernel overlayfs copies a file up when it is opened for writing. Lamina has the kernel open
    /// files without a round trip (FUSE no-open mode) and copies up on the first write, so an open
    /// for writing that never writes leaves the same merged view and no upper copy: the only
    /// differences allowed are the kernel's copies (the file and its parents) in its upper layer.
    /// With FUSE passthrough (`passthrough=on`) every open is a request, and Lamina copies up on
    /// open as the kernel does: then there is no difference at all.
    @Test func openForWritingWithoutWriting() throws {
        let script = #"python3 -c "import os; os.close(os.open('dir/nested/file', os.O_RDWR))"; cat dir/nested/file"#
        let report = try MountComparison.run(
            Scenario("open for writing without writing", layers: [Self.base, Self.second], script: script))
        guard report.implementation.hasPrefix("lamina"), !report.differences.isEmpty else {
            #expect(report.differences.isEmpty, report.explanation)  // copies up on open, as the kernel does
            return
        }
        #expect(report.differences.contains { $0.hasPrefix("upper layer: dir/nested/file: only in kernel") },
                "fixture: the kernel copied the file up on open")
        #expect(report.differences.allSatisfy { $0.hasPrefix("upper layer: ") && $0.contains(": only in kernel (") },
                report.explanation)
    }

    /// Changes of `dir/nested/file`, again with each odd name set (`NameSet`): the file copied up is
    /// then a 255-byte name, a name that is not UTF-8, or an NFD name. A few rows only, to keep the
    /// suite's time down (each row is two mounts).
    static let oddNameRows = changes.filter {
        ["append", "chmod", "touch -d", "setfattr adds", "the inode number stays"].contains($0.0)
    }

    @Test("odd names: one change", arguments: NameSet.odd, oddNameRows)
    func oddNames(_ names: NameSet, _ row: (String, String)) throws {
        let report = try MountComparison.run(Scenario(row.0, layers: [Self.base, Self.second], script: row.1).withNames(names))
        #expect(report.reference.upper?.entries[names.key("dir/nested/file")] != nil, "fixture: the kernel copied the file up")
        #expect(report.differences.isEmpty, report.explanation)
    }

    @Test("one change", arguments: changes)
    func change(_ name: String, _ script: String) throws {
        let report = try MountComparison.run(Scenario(name, layers: [Self.base, Self.second], script: script))
        #expect(report.reference.upper?.entries["dir"] != nil, "fixture: the kernel copied dir up")
        #expect(report.differences.isEmpty, report.explanation)
    }
}
