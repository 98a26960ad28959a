extension ScenarioTools {
    /// `deep-tree make DIR DEPTH` builds a chain of DEPTH directories of 200-byte names under DIR
    /// (40 levels are 8,000 bytes of path, twice PATH_MAX), with files `bottom` and `other` at the
    /// end. `deep-tree exercise DIR DEPTH` walks down that chain one directory at a time (openat
    /// relative to the previous directory's descriptor: no call ever sees the whole path) and, at
    /// the bottom, stats, lists, creates, renames, unlinks, appends to `bottom` (its first write:
    /// a copy-up of the file and of every directory above it) and makes a new chain of DEPTH
    /// directories below, printing what each call did, so two mounts' transcripts can be compared.
    /// `deep-tree move DIR DEPTH` renames lower directories of the chain: the last one within its
    /// parent, then the one above it to DIR itself (renameat between descriptors 38 levels apart)
    /// and within its own parent, and reads and writes what they hold under the new names.
    static let deepTree = #"""
        #!/usr/bin/env python3
        import os, stat, sys
        command, top, depth = sys.argv[1], sys.argv[2], int(sys.argv[3])
        def level(i, tag="d"):
            return ("%03d" % i) + tag * 197

        def append_at(directory, name, data):
            handle = os.open(name, os.O_WRONLY | os.O_APPEND, dir_fd=directory)
            os.write(handle, data)
            os.close(handle)

        def read_at(directory, name):
            handle = os.open(name, os.O_RDONLY, dir_fd=directory)
            data = os.read(handle, 4096)
            os.close(handle)
            os.close(directory)
            return data

        def step(what, call, show=True):
            try:
                result = call()
                print("%s: %s" % (what, "ok" if result is None or not show else result))
                return result
            except OSError as error:
                print("%s: %s" % (what, os.strerror(error.errno)))
                return None

        def walk(fd, names, create=False):
            for name in names:
                if create:
                    os.mkdir(name, 0o755, dir_fd=fd)
                child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
                os.close(fd)
                fd = child
            return fd

        if command == "make":
            os.mkdir(top)
            fd = walk(os.open(top, os.O_RDONLY | os.O_DIRECTORY), [level(i) for i in range(depth)], create=True)
            for name, data in (("bottom", b"lower data\n"), ("other", b"other\n")):
                out = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
                os.write(out, data)
                os.close(out)
            sys.exit(0)

        if command == "move":
            root = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
            grandparent = walk(os.dup(root), [level(i) for i in range(depth - 2)])
            parent = os.open(level(depth - 2), os.O_RDONLY | os.O_DIRECTORY, dir_fd=grandparent)
            step("rename the last level within its parent",
                 lambda: os.rename(level(depth - 1), "renamed", src_dir_fd=parent, dst_dir_fd=parent))
            step("list its parent", lambda: sorted(os.listdir(parent)))
            moved = os.open("renamed", os.O_RDONLY | os.O_DIRECTORY, dir_fd=parent)
            step("list it", lambda: sorted(os.listdir(moved)))
            handle = os.open("bottom", os.O_RDONLY, dir_fd=moved)
            step("read its file", lambda: os.read(handle, 100))
            step("append to its file", lambda: append_at(moved, "bottom", b"more\n"))
            step("read it again", lambda: os.pread(handle, 100, 0))
            step("rename its parent to the top", lambda: os.rename(level(depth - 2), "moved", src_dir_fd=grandparent, dst_dir_fd=root))
            step("rename its parent within the grandparent",
                 lambda: os.rename(level(depth - 2), "moved", src_dir_fd=grandparent, dst_dir_fd=grandparent))
            step("list the grandparent", lambda: sorted(os.listdir(grandparent)))
            step("list the top", lambda: sorted(name[:8] for name in os.listdir(root)))
            step("read the file through the new names",
                 lambda: read_at(walk(os.open("moved", os.O_RDONLY | os.O_DIRECTORY, dir_fd=grandparent), ["renamed"]), "bottom"))
            sys.exit(0)

        fd = walk(os.open(top, os.O_RDONLY | os.O_DIRECTORY), [level(i) for i in range(depth)])
        print("walked down %d levels" % depth)
        def describe(name):
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            return "%s %o %d bytes" % ("dir" if stat.S_ISDIR(info.st_mode) else "file", info.st_mode & 0o7777, info.st_size)
        def read(name):
            handle = os.open(name, os.O_RDONLY, dir_fd=fd)
            data = os.read(handle, 4096)
            os.close(handle)
            return data
        def create(name, data):
            handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640, dir_fd=fd)
            os.write(handle, data)
            os.close(handle)
        def append(name, data):
            handle = os.open(name, os.O_WRONLY | os.O_APPEND, dir_fd=fd)
            os.write(handle, data)
            os.close(handle)
        step("stat bottom", lambda: describe("bottom"))
        step("list", lambda: sorted(os.listdir(fd)))
        step("create new", lambda: create("new", b"new data\n"))
        step("rename new to renamed", lambda: os.rename("new", "renamed", src_dir_fd=fd, dst_dir_fd=fd))
        step("unlink other", lambda: os.unlink("other", dir_fd=fd))
        step("stat other", lambda: describe("other"))
        step("append to bottom (copy-up)", lambda: append("bottom", b"appended\n"))
        step("read bottom", lambda: read("bottom"))
        step("stat bottom", lambda: describe("bottom"))
        step("rename bottom to moved", lambda: os.rename("bottom", "moved", src_dir_fd=fd, dst_dir_fd=fd))
        step("list", lambda: sorted(os.listdir(fd)))
        below = step("mkdir %d more levels" % depth,
                     lambda: walk(os.open(".", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd), [level(i, "n") for i in range(depth)], True), show=False)
        if below is not None:
            os.close(fd)
            fd = below
            step("create at the new bottom", lambda: create("made", b"made\n"))
            step("rename it", lambda: os.rename("made", "made2", src_dir_fd=fd, dst_dir_fd=fd))
            step("read it", lambda: read("made2"))
            step("list", lambda: sorted(os.listdir(fd)))
        os.close(fd)
        """#
}
