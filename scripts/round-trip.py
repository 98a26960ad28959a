#!/usr/bin/env python3
"""One FUSE request's round trip, without the engine's work (docs/performance.md, "Polling
/dev/fuse between requests").

Usage (as root): scripts/round-trip.py PROGRAM [MOUNT OPTION...]

PROGRAM is lamina-overlayfs or fuse-overlayfs (anything taking fuse-overlayfs's command line);
extra arguments go on its command line (e.g. `-o spin=0`). Mounts a one-file layer on a fresh
temporary directory, then times, best of 3:
- 50,000 getxattr calls of a name the file lacks (ENODATA; the kernel caches no xattrs, so
  each is one GETXATTR request);
- 20,000 lstat calls of names that exist nowhere (each a LOOKUP the kernel has not cached).
Prints microseconds per call and the daemon's CPU time for the run, and unmounts.
"""
import os
import subprocess
import sys
import tempfile
import time


def daemon_pid(mount_point):
    # The daemon is the process with /dev/fuse open whose command line names the mount point.
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                arguments = f.read().split(b"\0")
        except OSError:
            continue
        if mount_point.encode() in arguments:
            return int(entry)
    return None


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_call(count, call):
    start = time.perf_counter()
    for i in range(count):
        call(i)
    return (time.perf_counter() - start) / count * 1e6


def main():
    program, extra = sys.argv[1], sys.argv[2:]
    with tempfile.TemporaryDirectory(prefix="round-trip.") as scratch:
        lower, upper, work, merged = (os.path.join(scratch, d) for d in ("lower", "upper", "work", "merged"))
        for d in (lower, upper, work, merged):
            os.mkdir(d)
        with open(os.path.join(lower, "file"), "w") as f:
            f.write("x\n")
        options = f"lowerdir={lower},upperdir={upper},workdir={work}"
        subprocess.run([program, "-o", options, *extra, merged], check=True)
        try:
            pid = daemon_pid(merged)
            before = cpu_seconds(pid) if pid else 0.0
            path = os.path.join(merged, "file")

            def getxattr(_):
                try:
                    os.getxattr(path, "user.absent")
                except OSError:
                    pass

            def lstat_missing(i):
                try:
                    os.lstat(os.path.join(merged, f"missing-{i}"))
                except OSError:
                    pass

            xattr = min(per_call(50_000, getxattr) for _ in range(3))
            miss = per_call(20_000, lstat_missing)
            cpu = cpu_seconds(pid) - before if pid else float("nan")
            label = " ".join([os.path.basename(program), *extra])
            print(f"{label}: getxattr {xattr:.1f} µs, missed lstat {miss:.1f} µs, daemon CPU {cpu:.2f} s")
        finally:
            subprocess.run(["umount", merged])


if __name__ == "__main__":
    main()
