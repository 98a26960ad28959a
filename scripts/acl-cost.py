#!/usr/bin/env python3
"""What POSIX ACL checks cost and save on a FUSE overlay (docs/performance.md, "POSIX ACLs checked
by the kernel"), beside kernel overlayfs, on one layer of a `lamina bench` stack.

Usage (as root): acl-cost.py LAYER ROUNDS NAME=PROGRAM[,OPTION...] ...
  LAYER    a layer directory of `lamina bench`'s cache (it has tree/ and big/)
  ROUNDS   how many times each figure is taken; the implementations alternate within a round
  NAME=... a daemon with fuse-overlayfs's option syntax and options to add, e.g.
           lamina=.build-perf/release/lamina-overlayfs lamina-noacl=.build-perf/release/lamina-overlayfs,noacl
Kernel overlayfs is always measured first in each round.

Figures, each on a fresh mount with an empty upper directory:
  stat-warm root / nobody  lstat of every file under tree/ by absolute path, after one untimed
                           pass: best of 5 passes, microseconds per call. As uid 65534 the caller
                           is not the owner of the mount's root directory, so the kernel checks
                           its ACL on every path walk.
  ls-l-warm                `ls -l big` (20,000 entries) after one untimed run, milliseconds: it
                           asks for system.posix_acl_access and security.selinux of every entry.
  read-cold root / nobody  every file under tree/ opened and read after drop_caches,
                           milliseconds (measured inside the reading process).
"""
import os, shutil, statistics, subprocess, sys, tempfile, time

layer, rounds = sys.argv[1], int(sys.argv[2])
implementations = [("kernel", None)]
for spec in sys.argv[3:]:
    name, rest = spec.split("=", 1)
    program, *options = rest.split(",")
    implementations.append((name, (program, options)))
scratch = tempfile.mkdtemp(prefix="acl-cost-")
os.chmod(scratch, 0o755)
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
PYTHON = "/usr/bin/python3"

STAT = r'''
import os, sys, time
files = []
for root, dirs, names in os.walk(os.path.join(sys.argv[1], "tree")):
    files += [os.path.join(root, name) for name in names]
for path in files: os.lstat(path)
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    for path in files: os.lstat(path)
    best = min(best, time.perf_counter() - start)
print(best / len(files) * 1e6)
'''

READ = r'''
import os, sys, time
start = time.perf_counter()
for root, dirs, names in os.walk(os.path.join(sys.argv[1], "tree")):
    for name in names:
        with open(os.path.join(root, name), "rb") as f: f.read()
print((time.perf_counter() - start) * 1000)
'''


def mount(name, spec):
    base = os.path.join(scratch, name)
    shutil.rmtree(base, ignore_errors=True)
    for sub in ("upper", "work", "merged"):
        os.makedirs(os.path.join(base, sub))
        os.chmod(os.path.join(base, sub), 0o755)
    merged = os.path.join(base, "merged")
    options = f"lowerdir={layer},upperdir={base}/upper,workdir={base}/work"
    if spec is None:
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, merged], check=True)
    else:
        program, extra = spec
        subprocess.run([program, "-o", ",".join([options] + extra), merged], check=True, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.ismount(merged): break
            time.sleep(0.01)
    return merged


def unmount(merged):
    subprocess.run(["umount", merged], check=True)


def timed(prefix, script, merged):
    return float(subprocess.run(prefix + [PYTHON, "-c", script, merged], capture_output=True, text=True, check=True).stdout)


figures = ["stat-warm root (us)", "stat-warm nobody (us)", "ls-l-warm (ms)", "read-cold root (ms)", "read-cold nobody (ms)"]
results = {name: {figure: [] for figure in figures} for name, _ in implementations}
try:
    for _ in range(rounds):
        for name, spec in implementations:
            merged = mount(name, spec)
            results[name]["stat-warm root (us)"].append(timed([], STAT, merged))
            results[name]["stat-warm nobody (us)"].append(timed(NOBODY, STAT, merged))
            subprocess.run(["ls", "-l", os.path.join(merged, "big")], stdout=subprocess.DEVNULL, check=True)
            start = time.perf_counter()
            subprocess.run(["ls", "-l", os.path.join(merged, "big")], stdout=subprocess.DEVNULL, check=True)
            results[name]["ls-l-warm (ms)"].append((time.perf_counter() - start) * 1000)
            unmount(merged)
            for who, prefix in (("root", []), ("nobody", NOBODY)):
                merged = mount(name, spec)
                subprocess.run(["sync"])
                with open("/proc/sys/vm/drop_caches", "w") as f: f.write("3\n")
                results[name][f"read-cold {who} (ms)"].append(timed(prefix, READ, merged))
                unmount(merged)
finally:
    shutil.rmtree(scratch, ignore_errors=True)

print("| implementation | " + " | ".join(figures) + " |")
print("|---|" + "---:|" * len(figures))
for name, rows in results.items():
    cells = [f"{statistics.median(rows[figure]):.1f} ({min(rows[figure]):.1f}-{max(rows[figure]):.1f})" for figure in figures]
    print(f"| {name} | " + " | ".join(cells) + " |")
