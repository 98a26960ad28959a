import Testing

/// Hard links, compared with kernel overlayfs: a link to a lower file copies it up once, and then
/// both names are one inode (same number, shared data); hard links within a lower layer show as
/// one inode. The kernel runs with `index=off`, as every default mount does, so copying up one
/// name of a lower hard-link pair breaks the pair (the other name keeps the old data).
@Suite("Hard links", TestHost.mountComparisons)
struct ScenarioLinkTests {
    static let base = """
        mkdir -p dir other
        echo a > dir/a; chmod 0600 dir/a; setfattr -n user.k -v v dir/a
        echo h > dir/h1; ln dir/h1 dir/h2; ln -s a dir/link
        """
    static let second = "mkdir dir; echo s > dir/s"

    static let sameInode = #"[ "$(stat -c %i dir/a)" = "$(stat -c %i dir/a-link)" ] && echo same inode || echo different inodes"#

    static let links: [(String, String)] = [
        ("link to a lower file", "ln dir/a dir/a-link; stat -c %h dir/a dir/a-link; \(sameInode)"),
        ("write through the new name", "ln dir/a dir/a-link; echo more >> dir/a-link; cat dir/a; \(sameInode)"),
        ("link into another directory", "ln dir/a other/x; echo more >> dir/a; cat other/x; stat -c %h other/x"),
        ("link, then remove the first name", "ln dir/a other/x; rm dir/a; cat other/x; stat -c %h other/x"),
        ("link to a copied-up file", "echo x >> dir/a; ln dir/a dir/a-link; \(sameInode)"),
        ("lower hard-link pair", #"stat -c %h dir/h1 dir/h2; [ "$(stat -c %i dir/h1)" = "$(stat -c %i dir/h2)" ] && echo same"#),
        ("copy up one name of a lower pair", "echo x >> dir/h1; cat dir/h1 dir/h2; stat -c %h dir/h1 dir/h2"),
        ("link to a lower symlink", "ln dir/link dir/link2; readlink dir/link2; stat -c %h dir/link2"),
        ("link over an existing name", "ln dir/a dir/s; ls dir"),
    ]

    /// Links to and from `a`, again with each odd name set (`NameSet`); a few rows only, to keep the
    /// suite's time down (each row is two mounts).
    static let oddNameRows = links.filter {
        ["link to a lower file", "link, then remove the first name", "link over an existing name"].contains($0.0)
    }

    @Test("odd names: links", arguments: NameSet.odd, oddNameRows)
    func oddNames(_ names: NameSet, _ row: (String, String)) throws {
        let report = try MountComparison.run(Scenario(row.0, layers: [Self.base, Self.second], script: row.1).withNames(names))
        #expect(report.differences.isEmpty, report.explanation)
    }

    @Test("link", arguments: links)
    func link(_ name: String, _ script: String) throws {
        let report = try MountComparison.run(Scenario(name, layers: [Self.base, Self.second], script: script))
        #expect(report.differences.isEmpty, report.explanation)
    }
}
