import Foundation

/// Small programs the scenario scripts call, for what coreutils on Debian 12 cannot do:
/// `rename2 FLAGS OLD NEW` (renameat2 with `noreplace`, `exchange`), `readdir-offsets DIR`
/// (telldir/seekdir resumption), `deep-tree` (directory chains deeper than PATH_MAX, walked
/// with the `*at` calls; see `DeepTree.swift`) and `odirect` (aligned O_DIRECT reads and writes). Written as python3 (ctypes over glibc) into a test's scratch
/// directory, and put first on the scripts' PATH.
struct ScenarioTools: Sendable {
    let directory: String

    init(in scratch: ScratchDirectory) throws {
        directory = try scratch.directory("bin")
        for (name, source) in [("rename2", Self.rename2), ("readdir-offsets", Self.readdirOffsets), ("deep-tree", Self.deepTree), ("odirect", Self.directIO)] {
            let path = directory + "/" + name
            try source.write(toFile: path, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
    }

    /// The environment scripts run with: the tools first on PATH, a fixed locale so messages match.
    var environment: [String: String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        return ["PATH": directory + ":" + path, "LC_ALL": "C", "TZ": "UTC"]
    }

    static let rename2 = #"""
        #!/usr/bin/env python3
        # rename2 FLAGS OLD NEW: renameat2(2); FLAGS is none, noreplace, exchange or a comma list.
        import ctypes, os, sys
        FLAGS = {"none": 0, "noreplace": 1, "exchange": 2}
        libc = ctypes.CDLL(None, use_errno=True)
        flags = 0
        for name in sys.argv[1].split(","):
            flags |= FLAGS[name]
        if libc.renameat2(-100, os.fsencode(sys.argv[2]), -100, os.fsencode(sys.argv[3]), flags) != 0:
            print("rename2 %s %s %s: %s" % (sys.argv[1], sys.argv[2], sys.argv[3], os.strerror(ctypes.get_errno())),
                  file=sys.stderr)
            sys.exit(1)
        """#

    static let directIO = #"""
        #!/usr/bin/env python3
        # odirect read PATH OFFSET LENGTH | odirect write PATH OFFSET LENGTH BYTE [create]:
        # one pread/pwrite through an O_DIRECT descriptor, from a page-aligned buffer (an anonymous
        # mapping) of LENGTH bytes, at OFFSET; prints the count and a digest of what was read.
        import hashlib, mmap, os, sys
        op, path, offset, length = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        buffer = mmap.mmap(-1, length)
        try:
            if op == "read":
                fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
                count = os.preadv(fd, [buffer], offset)
                print("read %s @%d: %d bytes, sha1 %s" % (path, offset, count, hashlib.sha1(buffer[:count]).hexdigest()[:16]))
            else:
                flags = os.O_WRONLY | os.O_DIRECT | (os.O_CREAT if sys.argv[6:] == ["create"] else 0)
                fd = os.open(path, flags, 0o644)
                buffer.write(sys.argv[5].encode() * length)
                count = os.pwritev(fd, [buffer], offset)
                print("write %s @%d: %d bytes" % (path, offset, count))
            os.close(fd)
        except OSError as error:
            print("%s %s @%d: %s" % (op, path, offset, os.strerror(error.errno)))
        """#

    static let readdirOffsets = #"""
        #!/usr/bin/env python3
        # readdir-offsets DIR: lists DIR (with . and ..) remembering telldir() before each entry, then
        # resumes from every remembered offset, in the same stream and in a newly opened one: what was
        # read before the offset plus what is read after it must be the whole listing, each name once.
        import collections, ctypes, os, sys
        class Dirent(ctypes.Structure):
            _fields_ = [("d_ino", ctypes.c_uint64), ("d_off", ctypes.c_int64), ("d_reclen", ctypes.c_ushort),
                        ("d_type", ctypes.c_ubyte), ("d_name", ctypes.c_char * 256)]
        libc = ctypes.CDLL(None, use_errno=True)
        libc.opendir.restype = ctypes.c_void_p
        libc.opendir.argtypes = [ctypes.c_char_p]
        libc.readdir.restype = ctypes.POINTER(Dirent)
        libc.readdir.argtypes = [ctypes.c_void_p]
        libc.telldir.restype = ctypes.c_long
        libc.telldir.argtypes = [ctypes.c_void_p]
        libc.seekdir.argtypes = [ctypes.c_void_p, ctypes.c_long]
        libc.closedir.argtypes = [ctypes.c_void_p]
        path = os.fsencode(sys.argv[1])

        def opendir():
            handle = libc.opendir(path)
            if not handle:
                sys.exit("opendir %s: %s" % (sys.argv[1], os.strerror(ctypes.get_errno())))
            return handle

        def read_rest(handle):
            names, offsets = [], []
            while True:
                offset = libc.telldir(handle)
                entry = libc.readdir(handle)
                if not entry:
                    return names, offsets
                names.append(entry.contents.d_name)
                offsets.append(offset)

        handle = opendir()
        full, offsets = read_rest(handle)
        twice = sorted(name for name, count in collections.Counter(full).items() if count > 1)
        expected = collections.Counter(full)
        wrong = {"same stream": 0, "new stream": 0}
        examples = []
        for index, offset in enumerate(offsets):
            fresh = opendir()
            for mode, stream in (("same stream", handle), ("new stream", fresh)):
                libc.seekdir(stream, offset)
                rest, _ = read_rest(stream)
                if collections.Counter(full[:index] + rest) != expected:
                    wrong[mode] += 1
                    if len(examples) < 3:
                        examples.append("%s, offset #%d: %d names after it, %d expected" %
                                        (mode, index, len(rest), len(full) - index))
            libc.closedir(fresh)
        libc.closedir(handle)
        print("%s: %d entries, %s . and .., %d listed twice" % (sys.argv[1], len(full),
              "with" if b"." in full and b".." in full else "WITHOUT", len(twice)))
        for mode, count in wrong.items():
            print("  resuming in a %s: %s" % (mode, "every offset yields each entry once" if count == 0
                                                    else "%d of %d offsets do not" % (count, len(offsets))))
        for example in examples:
            print("    " + example)
        """#
}
