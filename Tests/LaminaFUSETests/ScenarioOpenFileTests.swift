import Testing

/// Files used through open descriptors, compared with kernel overlayfs. Without passthrough, Lamina
/// has the kernel open files without a round trip (FUSE no-open mode), so reads, writes, fsync, fallocate and truncate
/// reach the daemon with no handle, and a file unlinked or renamed over while open must stay
/// readable and writable through its descriptor (the engine keeps an orphan descriptor).
@Suite("Open files", TestHost.mountComparisons)
struct ScenarioOpenFileTests {
    static let base = """
        mkdir -p dir
        printf 'lower data\\n' > dir/lower
        printf 'other\\n' > dir/other
        head -c 200000 /dev/zero | tr '\\0' 'y' > dir/big
        """

    /// Each script prints what it reads, so the transcripts must match as well as the trees.
    static let uses: [(String, String)] = [
        ("read a lower file, unlinked while open", #"""
            python3 -c "
            import os
            fd = os.open('dir/lower', os.O_RDONLY); os.unlink('dir/lower')
            print(os.read(fd, 100), os.fstat(fd).st_size); os.close(fd)"
            ls dir
            """#),
        ("write an upper file, unlinked while open", #"""
            python3 -c "
            import os
            fd = os.open('dir/new', os.O_RDWR | os.O_CREAT, 0o644); os.write(fd, b'first')
            os.close(fd)
            fd = os.open('dir/new', os.O_RDWR); os.unlink('dir/new')
            os.write(fd, b'second'); os.fsync(fd); os.lseek(fd, 0, 0)
            print(os.read(fd, 100)); os.ftruncate(fd, 3); print(os.fstat(fd).st_size); os.close(fd)"
            ls dir
            """#),
        ("a copied-up file unlinked while open", #"""
            python3 -c "
            import os
            fd = os.open('dir/lower', os.O_RDWR | os.O_APPEND); os.write(fd, b'more\n')
            os.unlink('dir/lower'); os.write(fd, b'after\n'); os.lseek(fd, 0, 0)
            print(os.read(fd, 100)); os.close(fd)"
            """#),
        ("renamed over while open", #"""
            python3 -c "
            import os
            fd = os.open('dir/other', os.O_RDONLY); os.rename('dir/lower', 'dir/other')
            print(os.read(fd, 100)); os.close(fd); print(open('dir/other').read())"
            """#),
        ("O_TRUNC of a lower file", #"python3 -c "open('dir/big', 'wb').write(b'short')"; wc -c < dir/big"#),
        ("write through a shared mapping", #"""
            python3 -c "
            import mmap
            with open('dir/big', 'r+b') as f:
                m = mmap.mmap(f.fileno(), 0); m[10:15] = b'hello'; m.flush(); m.close()"
            head -c 20 dir/big; echo
            """#),
        ("fallocate past the end of a lower file", #"""
            python3 -c "
            import os
            fd = os.open('dir/lower', os.O_RDWR); os.posix_fallocate(fd, 0, 8192); os.close(fd)"
            wc -c < dir/lower
            """#),
        ("a reader sees a later copy-up", #"""
            python3 -c "
            f = open('dir/lower'); print(repr(f.read(5)))
            open('dir/lower', 'a').write('tail\n'); print(repr(f.read()))"
            """#),
        ("read a file twice (cached pages)", "cat dir/lower dir/lower; cat dir/big | wc -c"),
    ]

    /// Each use without passthrough (the default: no-open mode where the kernel offers it) and with
    /// it (where the kernel and this process allow it; every open is a request then).
    @Test("use", arguments: uses, ["off", "on"])
    func use(_ use: (String, String), passthrough: String) throws {
        var scenario = Scenario(use.0, layers: [Self.base], script: use.1)
        scenario.implementationOptions = ["passthrough=\(passthrough)"]
        let report = try MountComparison.run(scenario)
        #expect(report.differences.isEmpty, report.explanation)
    }
}
