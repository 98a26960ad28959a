import Testing

/// Removing lower entries, making new ones over whiteouts, and listing directories, compared with
/// kernel overlayfs.
@Suite("Directories", TestHost.mountComparisons)
struct ScenarioDirectoryTests {
    static let base = """
        mkdir -p dir/sub empty spread/deep
        echo a > dir/a; echo s > dir/sub/s; ln -s a dir/link; mkfifo dir/fifo
        echo low > spread/low; echo d > spread/deep/d
        """
    static let second = "mkdir -p dir spread/deep; echo b > dir/b; echo high > spread/high; echo e > spread/deep/e"

    static let removals: [(String, String)] = [
        ("unlink a lower file", "rm dir/a; ls dir; cat dir/a"),
        ("unlink a lower symlink", "rm dir/link; ls dir"),
        ("unlink a lower fifo", "rm dir/fifo; ls dir"),
        ("unlink twice", "rm dir/a; rm dir/a; ls dir"),
        ("unlink a new file", "echo n > dir/n; rm dir/n; ls dir"),
        ("rmdir an empty lower directory", "rmdir empty; ls"),
        ("rmdir a directory that is not empty", "rmdir dir; ls dir"),
        ("rmdir after emptying it", "rm dir/sub/s; rmdir dir/sub; ls dir"),
        ("rmdir a merged directory after emptying it", "rm -r spread/deep/*; rmdir spread/deep; ls spread"),
        ("rm -rf a directory spread over two layers", "rm -rf spread; ls"),
        ("unlink a directory", "rm dir 2>&1; unlink dir; ls"),
        ("rmdir a file", "rmdir dir/a; ls dir"),
    ]

    /// Directories whose lower layers already hold whiteouts and hard links, as the layers of an
    /// image built by `podman build` hold them in podman's store (a RUN step that removed and linked
    /// files, as an OCI `.wh.` file and a hard link; then a step that removes the directory).
    static let builtLayers = [
        "mkdir -p app/data app/keep; echo one > app/data/a; echo two > app/data/b; echo k > app/keep/k",
        "mkdir -p app/data; echo changed > app/data/a; : > app/data/.wh.b; chmod 0 app/data/.wh.b; ln app/data/a app/data/a-link",
    ]

    static let builtRemovals: [(String, String)] = [
        ("rm -rf a directory holding a whiteout and a hard link", "rm -rf app/data; ls -a app"),
        ("rm -rf, then mkdir", "rm -rf app/data && mkdir app/data && echo three > app/data/c; ls -a app/data"),
        ("unlink each name, then rmdir", "rm app/data/a app/data/a-link; ls -a app/data; rmdir app/data; ls -a app"),
        ("busybox rm -rf", "busybox rm -rf app/data; ls -a app"),
        ("busybox rm -rf, lstat first", "ls -la app/data > /dev/null; busybox rm -rf app/data; ls -a app"),
    ]

    static let recreations: [(String, String)] = [
        ("mkdir over a removed merged directory", "rm -rf spread; mkdir spread; ls -a spread"),
        ("mkdir over a removed directory, then fill it", "rm -rf dir; mkdir dir; echo n > dir/n; ls -a dir"),
        ("mkdir over a removed empty directory", "rmdir empty; mkdir empty; ls -a empty"),
        ("mkdir over a removed file", "rm dir/a; mkdir dir/a; ls -a dir/a"),
        ("file over a removed directory", "rm -rf dir/sub; echo file > dir/sub; cat dir/sub"),
        ("symlink over a removed directory", "rm -rf spread; ln -s dir spread; ls spread/"),
        ("file over a removed file", "rm dir/a; echo again > dir/a; cat dir/a"),
        ("fifo over a removed file", "rm dir/a; mkfifo dir/a; stat -c %F dir/a"),
        ("mkdir -p through a removed tree", "rm -rf spread; mkdir -p spread/deep/er; ls -R spread"),
    ]

    /// Removals and recreations of `a`, again with each odd name set (`NameSet`); a few rows only,
    /// to keep the suite's time down (each row is two mounts).
    static let oddNameRows = (removals + recreations).filter {
        ["unlink a lower file", "unlink twice", "mkdir over a removed file", "file over a removed file"].contains($0.0)
    }

    @Test("odd names: removals and new entries over whiteouts", arguments: NameSet.odd, oddNameRows)
    func oddNames(_ names: NameSet, _ row: (String, String)) throws {
        let scenario = Scenario(row.0, layers: [Self.base, Self.second], script: row.1).withNames(names)
        let report = try MountComparison.run(scenario)
        #expect(report.reference.finalView.entries[names.key("dir/b")] != nil, "fixture: the kernel shows dir/b")
        #expect(report.differences.isEmpty, report.explanation)
    }

    @Test("unlink and rmdir of lower entries", arguments: removals)
    func removal(_ name: String, _ script: String) throws {
        let report = try MountComparison.run(Scenario(name, layers: [Self.base, Self.second], script: script))
        #expect(report.differences.isEmpty, report.explanation)
    }

    @Test("removing directories with whiteouts and hard links below", arguments: builtRemovals)
    func builtRemoval(_ name: String, _ script: String) throws {
        let report = try MountComparison.run(Scenario(name, layers: Self.builtLayers, script: script))
        #expect(report.differences.isEmpty, report.explanation)
    }

    @Test("new entries over whiteouts", arguments: recreations)
    func recreation(_ name: String, _ script: String) throws {
        let report = try MountComparison.run(Scenario(name, layers: [Self.base, Self.second], script: script))
        #expect(report.differences.isEmpty, report.explanation)
    }

    /// 10 layers of 1,000 files each in one directory; each layer above the first also replaces 50
    /// names of the layers below and whites out 10 of the layer just below.
    static let largeDirectoryLayers: [String] = (0..<10).map { layer in
        var script = "mkdir -p big; i=0; while [ $i -lt 1000 ]; do : > big/n$(( \(layer) * 1000 + i )); i=$((i + 1)); done\n"
        script += "i=0; while [ $i -lt 50 ]; do echo \(layer) > big/shared$i; i=$((i + 1)); done\n"
        if layer > 0 {
            script += "i=0; while [ $i -lt 10 ]; do mknod big/n$(( \(layer - 1) * 1000 + i * 7 )) c 0 0; i=$((i + 1)); done\n"
        }
        return script
    }

    @Test("readdir of 10,000 entries over 10 layers", arguments: [false, true])
    func largeDirectory(writable: Bool) throws {
        let script = writable
            ? "ls big | wc -l; rm big/n5000 big/shared3; touch big/new; ls big | wc -l; ls big | cksum"
            : "ls big | wc -l; ls big | cksum; ls -f big | wc -l"
        let scenario = Scenario(
            writable ? "10,000 entries, writable" : "10,000 entries, read-only",
            layers: Self.largeDirectoryLayers, script: script, writable: writable, comparesInitialView: true)
        let report = try MountComparison.run(scenario)
        #expect(report.reference.transcript.hasPrefix("9960\n"), "fixture: the kernel lists 10,050 - 90 entries")
        #expect(report.differences.isEmpty, report.explanation)
    }

    /// A listing resumed from any offset telldir() returned yields every entry exactly once (in the
    /// same stream and in a newly opened one), over three layers with whiteouts and an opaque
    /// directory, so the merged listing is long enough to take several readdir calls.
    @Test("readdir offsets resume exactly", arguments: [false, true])
    func readdirOffsets(writable: Bool) throws {
        let layers = [
            "mkdir -p d o; for i in $(seq 1 300); do : > d/low$i; : > o/hidden$i; done",
            "mkdir -p d; for i in $(seq 1 300); do : > d/mid$i; done; for i in $(seq 1 300 | sed -n '0~3p'); do mknod d/low$i c 0 0; done",
            "mkdir -p d o; setfattr -n trusted.overlay.opaque -v y o; for i in $(seq 1 200); do : > d/top$i; : > o/shown$i; done",
        ]
        let script = (writable ? "rm d/mid7 d/top9; : > d/upper1; " : "") + "readdir-offsets d; readdir-offsets o; readdir-offsets ."
        let scenario = Scenario(
            writable ? "readdir offsets, writable" : "readdir offsets, read-only", layers: layers, script: script,
            writable: writable)
        let report = try MountComparison.run(scenario)
        #expect(
            report.reference.transcript.contains("every offset yields each entry once"),
            "fixture: the kernel resumes exactly")
        #expect(report.differences.isEmpty, report.explanation)
    }
}
