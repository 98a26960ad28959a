import LaminaCLI

// fuse-overlayfs-compatible entry point; filled in by the FUSE bridge work.
Lamina.main()
