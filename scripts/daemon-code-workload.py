#!/usr/bin/env python3
"""What a container does to its root file system, in miniature: run inside a lamina-overlayfs mount
by scripts/order-daemon-code so that every daemon path a container normally takes runs once.

Usage: daemon-code-workload.py MERGED. The stack under MERGED is the one order-daemon-code builds
(tree/, big/, opaque/, gone/, link, tree/d0/f0...). Errors a path is expected to give are ignored:
the point is to run the code, not to check it (the test suites do that).
"""
import errno, mmap, os, sys, threading

root = sys.argv[1]
p = lambda *parts: os.path.join(root, *parts)


def quietly(fn, *args):
    try:
        return fn(*args)
    except OSError:
        return None


def read_file(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        while os.read(fd, 65536):
            pass
    finally:
        os.close(fd)


# Lookups, attributes and listings: a walk, a big directory, misses, symlinks, xattrs.
for dirpath, dirnames, filenames in os.walk(root):
    for name in dirnames + filenames:
        os.lstat(os.path.join(dirpath, name))
for _ in range(2):
    with os.scandir(p("big")) as it:
        for entry in it:
            entry.is_dir(follow_symlinks=False)
for i in range(50):
    quietly(os.lstat, p("tree", "d1", f"missing{i}"))
os.readlink(p("link"))
os.stat(p("link"))
quietly(os.getxattr, p("tree", "d0", "f0"), "user.note")
quietly(os.listxattr, p("tree", "d0", "f0"))
os.statvfs(root)
os.access(p("tree", "d0", "f1"), os.R_OK | os.W_OK)

# Reads: small files, a mapped file, files opened by several threads at once.
for dirpath, _, filenames in os.walk(p("tree")):
    for name in filenames:
        read_file(os.path.join(dirpath, name))
with open(p("tree", "d0", "f2"), "rb") as f:
    with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        m[:16]
threads = [threading.Thread(target=read_file, args=(p("tree", "d2", f"f{i}"),)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()

# Writes: new files with fsync, copy-up of a lower file by append and by truncate, metadata changes.
for i in range(20):
    fd = os.open(p("tree", "d3", f"new{i}"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.write(fd, b"x" * 100)
    os.fsync(fd)
    os.close(fd)
with open(p("tree", "d0", "f3"), "ab") as f:
    f.write(b"appended")
os.truncate(p("tree", "d0", "f4"), 1)
os.chmod(p("tree", "d0", "f5"), 0o600)
os.chown(p("tree", "d0", "f6"), 1000, 1000)
os.utime(p("tree", "d0", "f7"), (1, 1))
os.setxattr(p("tree", "d0", "f8"), "user.note", b"set")
quietly(os.removexattr, p("tree", "d0", "f8"), "user.note")
fd = os.open(p("tree", "d0", "f9"), os.O_RDWR)
quietly(os.posix_fallocate, fd, 0, 8192)
os.pwrite(fd, b"y", 4096)
os.fdatasync(fd)
os.close(fd)

# Names: directories, links, renames of files and of lower directories, whiteouts, removal.
os.makedirs(p("made", "a", "b"))
os.symlink("target", p("made", "sym"))
os.link(p("tree", "d0", "f10"), p("made", "hard"))
os.mkfifo(p("made", "fifo"))
os.rename(p("tree", "d3", "new0"), p("tree", "d3", "renamed0"))
os.rename(p("tree", "d1", "f0"), p("tree", "d2", "moved"))
quietly(os.rename, p("tree", "d4"), p("tree", "d4-moved"))
quietly(os.rename, p("made"), p("tree", "d5"))          # onto a non-empty lower directory
for i in range(10):
    os.unlink(p("tree", "d6", f"f{i}"))
for i in range(1, 20):
    os.unlink(p("tree", "d3", f"new{i}"))
os.rmdir(p("made", "a", "b"))
quietly(os.rmdir, p("opaque"))
for dirpath, dirnames, filenames in os.walk(p("tree", "d7"), topdown=False):
    for name in filenames:
        os.unlink(os.path.join(dirpath, name))
    for name in dirnames:
        os.rmdir(os.path.join(dirpath, name))
os.rmdir(p("tree", "d7"))
os.mkdir(p("tree", "d7"))                                # a new directory where a lower one was

# Open, unlink, then read and write through the open descriptor.
fd = os.open(p("tree", "d8", "f0"), os.O_RDWR)
os.unlink(p("tree", "d8", "f0"))
os.pread(fd, 64, 0)
os.pwrite(fd, b"z", 0)
os.fstat(fd)
os.close(fd)

# Listing a directory that changed, and the whole tree once more.
sorted(os.listdir(p("tree", "d3")))
for dirpath, dirnames, filenames in os.walk(root):
    for name in filenames:
        os.lstat(os.path.join(dirpath, name))
