import Glibc
import LaminaCLI

// fuse-overlayfs-compatible entry point (see docs/compatibility.md).
exit(OverlayfsTool.main())
