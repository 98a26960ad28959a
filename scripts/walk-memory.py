#!/usr/bin/env python3
"""A FUSE overlay daemon's memory after a walk of a bench stack: what the bench's peak RSS figure is
made of, split into anonymous memory and file pages (docs/performance.md, "Per-node and per-copy
memory").

Usage (as root): walk-memory.py PROGRAM STACK LAYERS
  PROGRAM  a daemon with fuse-overlayfs's option syntax (lamina-overlayfs, fuse-overlayfs)
  STACK    a stack directory of `lamina bench`'s cache (layer-000, layer-001, ...)
  LAYERS   how many of its layers to mount (all of them: the stack's layer count)

Mounts the layers read-write with a fresh upper and work directory in a temporary directory, walks
the merged tree with lstat of every entry (as the bench's walk does), prints the daemon's VmHWM,
VmRSS, RssAnon and RssFile from /proc/PID/status, and unmounts.
"""
import os, subprocess, sys, tempfile, time

program, stack, layers = sys.argv[1], sys.argv[2], int(sys.argv[3])
scratch = tempfile.mkdtemp(prefix="walk-memory-")
for name in ("upper", "work", "merged", "l"):
    os.makedirs(os.path.join(scratch, name))
# Short names, as the bench passes them, so a 100-layer lowerdir fits the kernel's option limit.
lowers = []
for layer in reversed(range(layers)):
    link = os.path.join(scratch, "l", str(layer))
    os.symlink(os.path.join(stack, f"layer-{layer:03d}"), link)
    lowers.append(link)
merged = os.path.join(scratch, "merged")
options = f"lowerdir={':'.join(lowers)},upperdir={scratch}/upper,workdir={scratch}/work"
daemon = subprocess.Popen([program, "-f", "-o", options, merged], stderr=subprocess.DEVNULL)
try:
    for _ in range(1000):
        if os.path.ismount(merged):
            break
        if daemon.poll() is not None:
            sys.exit(f"{program} exited with {daemon.returncode} before mounting")
        time.sleep(0.01)
    entries = 0
    for directory, subdirectories, files in os.walk(merged):
        for name in subdirectories + files:
            os.lstat(os.path.join(directory, name))
            entries += 1
    with open(f"/proc/{daemon.pid}/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    figures = ", ".join(f"{key} {fields[key].strip()}" for key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"))
    print(f"{os.path.basename(program)}: {layers} layers, {entries} entries walked: {figures}")
finally:
    if os.path.ismount(merged):
        subprocess.run(["umount", merged], check=False)
    daemon.wait(timeout=60)
    subprocess.run(["rm", "-rf", scratch], check=False)
