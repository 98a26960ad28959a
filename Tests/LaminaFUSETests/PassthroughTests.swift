import Foundation
import Glibc
import Testing

/// FUSE passthrough (`-o passthrough=`): files the kernel reads and writes itself must give what
/// kernel overlayfs gives, for lower files, upper files, new files and copy-ups. Where the kernel
/// or this process cannot pass files through, Lamina mounts without it and these comparisons test
/// the ordinary path instead; `PassthroughActiveTests` shows whether passthrough really ran.
@Suite("Passthrough", TestHost.mountComparisons)
struct PassthroughTests {
    static let base = """
        mkdir -p dir
        printf 'lower data\\n' > dir/lower
        head -c 3000000 /dev/zero | tr '\\0' 'x' > dir/big
        """

    /// Each script prints what it reads and the sizes stat gives, so transcripts must match too.
    static let uses: [(String, String)] = [
        ("read lower files, also through a mapping", #"""
            md5sum dir/big; cat dir/lower
            python3 -c "
            import mmap
            f = open('dir/big', 'rb'); m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
            print(m[100:110], len(m)); m.close(); f.close()"
            """#),
        ("append to a lower file", #"printf 'more\n' >> dir/lower; cat dir/lower; stat -c %s dir/lower"#),
        ("write a new file in 1 MiB blocks", #"""
            dd if=/dev/zero bs=1M count=3 2>/dev/null | tr '\0' 'n' > dir/new
            stat -c %s dir/new; md5sum dir/new
            """#),
        ("sizes while writing", #"""
            python3 -c "
            import os
            fd = os.open('dir/grow', os.O_RDWR | os.O_CREAT, 0o644); os.write(fd, b'a' * 5000)
            print(os.fstat(fd).st_size, os.stat('dir/grow').st_size)
            os.pwrite(fd, b'b', 100000); print(os.fstat(fd).st_size, os.stat('dir/grow').st_size)
            fd2 = os.open('dir/lower', os.O_WRONLY | os.O_APPEND); os.write(fd2, b'appended\n')
            print(os.fstat(fd2).st_size, os.stat('dir/lower').st_size); os.close(fd2); os.close(fd)"
            cat dir/lower
            """#),
        ("truncate, shrink and grow", #"""
            truncate -s 100 dir/big; stat -c %s dir/big
            python3 -c "
            import os
            fd = os.open('dir/big', os.O_RDWR); os.ftruncate(fd, 70000); os.pwrite(fd, b'end', 69997)
            print(os.fstat(fd).st_size, os.pread(fd, 4, 96), os.pread(fd, 3, 69997)); os.close(fd)"
            stat -c %s dir/big; md5sum dir/big
            """#),
        ("write through shared mappings", #"""
            python3 -c "
            import mmap, os
            fd = os.open('dir/mapped', os.O_RDWR | os.O_CREAT, 0o644); os.ftruncate(fd, 8192)
            m = mmap.mmap(fd, 8192); m[4000:4005] = b'hello'; m.flush(); m.close(); os.close(fd)
            with open('dir/big', 'r+b') as f:
                m = mmap.mmap(f.fileno(), 0); m[10:15] = b'world'; m.flush(); m.close()"
            md5sum dir/mapped dir/big; stat -c %s dir/mapped
            """#),
        ("a reader sees a later copy-up", #"""
            python3 -c "
            f = open('dir/lower'); print(repr(f.read(5)))
            open('dir/lower', 'a').write('tail\n'); print(repr(f.read()))"
            """#),
        ("a reader of an upper file sees writes through another descriptor", #"""
            printf 'upper\n' > dir/up
            python3 -c "
            r = open('dir/up'); print(repr(r.read(2)))
            w = open('dir/up', 'r+'); w.seek(0, 2); w.write('more\n'); w.flush(); print(repr(r.read())); w.close(); r.close()"
            """#),
    ]

    @Test("passthrough=on", arguments: uses)
    func on(_ name: String, _ script: String) throws {
        try compare(name, script, options: ["passthrough=on"])
    }

    /// Without passthrough the same scripts must give the same results (the path Lamina falls back to).
    @Test("passthrough=off", arguments: uses)
    func off(_ name: String, _ script: String) throws {
        try compare(name, script, options: ["passthrough=off"])
    }

    /// `all` passes lower files of a writable mount through too; only a writer meeting a reader of
    /// the same lower file differs (see `lowerReaderBlocksWriter`).
    @Test("passthrough=all", arguments: uses.filter { !$0.0.hasPrefix("a reader sees") })
    func all(_ name: String, _ script: String) throws {
        try compare(name, script, options: ["passthrough=all"])
    }

    /// A read-only mount passes lower files through with `on`.
    @Test("passthrough=on, read-only mount")
    func readOnly() throws {
        let report = try MountComparison.run(passthroughScenario(
            "read-only", script: Self.uses[0].1, options: ["passthrough=on"], writable: false))
        #expect(report.differences.isEmpty, report.explanation)
    }

    /// With `all`, a lower file held open through passthrough cannot be opened for writing or
    /// truncated (ETXTBSY) until it is closed; then the copy-up happens as usual (the kernel lets
    /// go of the backing file when the daemon has answered the asynchronous RELEASE, so the open
    /// right after the close may still meet ETXTBSY for a moment under load: it is retried). The lower file
    /// stays as it was. This is the documented difference from overlayfs (docs/compatibility.md).
    @Test("passthrough=all: a reader of a lower file holds off writers")
    func lowerReaderBlocksWriter() throws {
        guard try ImplementationUnderTest.selected() != .fuseOverlayfs else { return }
        let script = #"""
            python3 -c "
            import errno, os
            r = open('dir/lower'); print(repr(r.read(5)))
            for attempt in (lambda: open('dir/lower', 'a'), lambda: os.truncate('dir/lower', 1)):
                try:
                    attempt(); print('allowed')
                except OSError as e:
                    print(errno.errorcode[e.errno])
            print(repr(r.read())); r.close()
            import time
            for attempt in range(100):
                try:
                    w = open('dir/lower', 'a'); break
                except OSError as e:
                    if e.errno != errno.ETXTBSY: raise
                    time.sleep(0.05)
            w.write('tail\n'); w.close()"
            cat dir/lower
            """#
        let scratch = try ScratchDirectory("passthrough-busy")
        defer { scratch.remove() }
        let mounted = try PassthroughMount(scratch: scratch, lower: { dir in
            try FileManager.default.createDirectory(atPath: dir + "/dir", withIntermediateDirectories: true)
            try Data("lower data\n".utf8).write(to: URL(fileURLWithPath: dir + "/dir/lower"))
        }, options: "passthrough=all", writable: true)
        defer { mounted.unmount() }
        guard mounted.passthroughActive else {
            print("skipped: \(mounted.transportLine ?? "no transport line")")
            return
        }
        let result = try Command.shell(script, in: mounted.mountpoint, environment: [:])
        #expect(result.output == "'lower'\nETXTBSY\nETXTBSY\n' data\\n'\nlower data\ntail\n", "\(result.transcript)")
        #expect(try String(contentsOfFile: mounted.lower + "/dir/lower", encoding: .utf8) == "lower data\n")
    }

    private func compare(_ name: String, _ script: String, options: [String]) throws {
        let report = try MountComparison.run(passthroughScenario(name, script: script, options: options))
        #expect(report.differences.isEmpty, report.explanation)
    }

    private func passthroughScenario(_ name: String, script: String, options: [String], writable: Bool = true) -> Scenario {
        // Kernel overlayfs needs two lower layers to mount without an upper one.
        let layers = writable ? [Self.base] : [Self.base, "mkdir -p top"]
        var scenario = Scenario(name, layers: layers, script: script, writable: writable)
        scenario.implementationOptions = options
        return scenario
    }
}
