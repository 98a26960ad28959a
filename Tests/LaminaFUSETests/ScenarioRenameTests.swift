import Testing

/// Renames across layers, compared with kernel overlayfs: files (plain rename(2)), directories
/// (the kernel with `redirect_dir=on`, since Lamina renames lower directories by redirect instead
/// of answering EXDEV), and renameat2's RENAME_EXCHANGE and RENAME_NOREPLACE.
@Suite("Renames across layers", TestHost.mountComparisons)
struct ScenarioRenameTests {
    static let base = """
        mkdir -p dir other tree/sub merged/low
        echo a > dir/a; echo b > dir/b; echo ob > other/b; ln -s a dir/link
        echo f > tree/sub/f; echo g > tree/g; echo low > merged/low/x
        setfattr -n user.tree -v base tree
        """
    static let second = "mkdir -p merged/high; echo high > merged/high/y; echo m > merged/m"

    static let files: [(String, String)] = [
        ("lower file, same directory", "mv dir/a dir/a2; cat dir/a2; ls dir"),
        ("lower file into another lower directory", "mv dir/a other/a; ls dir other"),
        ("lower file over a lower file", "mv dir/a other/b; cat other/b; ls dir"),
        ("new file over a lower file", "echo n > dir/new; mv dir/new dir/a; cat dir/a"),
        ("copied-up file", "echo x >> dir/a; mv dir/a dir/z; cat dir/z"),
        ("away and back", "mv dir/a dir/t; mv dir/t dir/a; cat dir/a; ls dir"),
        ("symlink", "mv dir/link dir/link2; readlink dir/link2"),
        ("onto itself through a hard link", "ln dir/a dir/h; mv dir/a dir/h; ls dir"),
    ]

    static let directories: [(String, String)] = [
        ("lower directory", "mv tree tree2; ls -R tree2; getfattr -d tree2"),
        ("directory merged from two layers", "mv merged merged2; ls -R merged2"),
        ("lower directory into another directory", "mv tree other/tree; ls -R other"),
        ("old name made again", "mv tree tree2; mkdir tree; ls -a tree; ls -R tree2"),
        ("renamed, then changed inside", "mv tree tree2; echo x >> tree2/sub/f; rm tree2/g; ls -R tree2"),
        ("renamed twice", "mv tree t1; mv t1 t2; ls -R t2"),
        ("renamed over a removed directory", "rm -rf other; mv tree other; ls -R other"),
        ("subdirectory of a merged directory", "mv merged/low merged/low2; ls -R merged"),
        ("renamed then renamed back", "mv tree t1; mv t1 tree; ls -R tree"),
    ]

    static let renameat2: [(String, String)] = [
        ("exchange two lower files", "rename2 exchange dir/a dir/b; cat dir/a dir/b"),
        ("exchange a lower file and a new file", "echo u > dir/u; rename2 exchange dir/a dir/u; cat dir/a dir/u"),
        ("exchange a file and a symlink", "rename2 exchange dir/a dir/link; cat dir/link; readlink dir/a"),
        ("exchange with a missing name", "rename2 exchange dir/a dir/missing; ls dir"),
        ("noreplace onto a lower file", "rename2 noreplace dir/a dir/b; cat dir/a dir/b"),
        ("noreplace onto a removed name", "rm dir/b; rename2 noreplace dir/a dir/b; cat dir/b; ls dir"),
        ("noreplace onto a new name", "rename2 noreplace dir/a other/new; ls dir other"),
    ]

    /// File renames and renameat2 rows, again with each odd name set (`NameSet`): `a` and `b` are
    /// then 255-byte names, names that are not UTF-8, or NFC and NFD `café` side by side. A few
    /// rows only, to keep the suite's time down (each row is two mounts).
    static let oddNameRows = (files + renameat2).filter {
        ["lower file, same directory", "lower file over a lower file", "away and back", "exchange two lower files",
         "noreplace onto a removed name"].contains($0.0)
    }

    @Test("odd names: files and renameat2", arguments: NameSet.odd, oddNameRows)
    func oddNames(_ names: NameSet, _ row: (String, String)) throws {
        let report = try MountComparison.run(Scenario(row.0, layers: [Self.base, Self.second], script: row.1).withNames(names))
        let oddKeys = names.names.map { "/" + PathText.escape(bytes: $0.bytes) }
        #expect(report.reference.finalView.entries.keys.contains { key in oddKeys.contains { key.hasSuffix($0) } },
                "fixture: the kernel shows one of the set's names")
        #expect(report.differences.isEmpty, report.explanation)
    }

    /// Lower directories with odd names renamed by redirect (kernel with `redirect_dir=on`): the
    /// redirect then holds the odd name's bytes, relative (same parent) or in an absolute path.
    /// Not with a 255-byte name into another directory: the absolute redirect passes the kernel's
    /// `redirect_max` (256 bytes), a documented difference (`LongRedirectTests`).
    static let oddNameDirectoryRows: [(NameSet, (String, String))] = NameSet.odd.flatMap { names in
        (directories.filter { $0.0 == "subdirectory of a merged directory" } + [Self.intoAnotherDirectory])
            .filter { names.testDescription != NameSet.longest.testDescription || $0.0 != Self.intoAnotherDirectory.0 }
            .map { (names, $0) }
    }
    static let intoAnotherDirectory = (
        "odd-named directory into another directory", "mv merged/low other/moved; ls -R other merged; cat other/moved/x"
    )

    @Test("odd names: directories (kernel with redirect_dir=on)", arguments: oddNameDirectoryRows)
    func oddNameDirectories(_ names: NameSet, _ row: (String, String)) throws {
        let scenario = Scenario(row.0, layers: [Self.base, Self.second], script: row.1).withNames(names).withRedirects()
        let report = try MountComparison.run(scenario)
        #expect(!report.reference.transcript.contains("cross-device"), "fixture: the kernel renamed by redirect")
        #expect(report.differences.isEmpty, report.explanation)
    }

    @Test("files", arguments: files)
    func file(_ name: String, _ script: String) throws {
        let report = try MountComparison.run(Scenario(name, layers: [Self.base, Self.second], script: script))
        #expect(report.differences.isEmpty, report.explanation)
    }

    @Test("directories (kernel with redirect_dir=on)", arguments: directories)
    func directory(_ name: String, _ script: String) throws {
        let scenario = Scenario(name, layers: [Self.base, Self.second], script: script).withRedirects()
        let report = try MountComparison.run(scenario)
        #expect(!report.reference.transcript.contains("cross-device"), "fixture: the kernel renamed by redirect")
        #expect(report.differences.isEmpty, report.explanation)
    }

    @Test("renameat2 flags", arguments: renameat2)
    func flags(_ name: String, _ script: String) throws {
        let report = try MountComparison.run(Scenario(name, layers: [Self.base, Self.second], script: script))
        #expect(!report.reference.transcript.contains("Invalid argument"), "fixture: the kernel knows the flag")
        #expect(report.differences.isEmpty, report.explanation)
    }
}
