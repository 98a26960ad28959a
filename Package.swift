// swift-tools-version: 6.1
// Lamina: a union filesystem for container images.
// Dependencies point one way: CLI -> runtime/image/bench -> FUSE bridge -> engine -> system wrappers.
import PackageDescription

// The daemon's code layout (docs/performance.md, "The daemon's code pages"). Each Swift function
// in its own section lets the linker order them; packed relative relocations (DT_RELR, glibc 2.36+)
// shrink the start-up relocation table from 610 KiB to 6 KiB; the order file and the libstdc++
// linker script live in Sources/lamina-overlayfs/link.
let daemonLink = Context.packageDirectory + "/Sources/lamina-overlayfs/link"
let daemonCodeSettings: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-function-sections"])]
let daemonLinkFlags = [
    "-static-stdlib", "-use-ld=lld", "-L", daemonLink,
    "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
    "-Xlinker", "--symbol-ordering-file=\(daemonLink)/code-order.txt", "-Xlinker", "--no-warn-symbol-ordering",
    // The static runtime asks for -export-dynamic; nothing looks the daemon's symbols up, and
    // exporting them kept 160 KiB of symbol tables resident in every daemon.
    "-Xlinker", "--no-export-dynamic",
]
// The daemon's DWARF (3.7 MB of its 17 MB file): a cold start reads the file around each page it
// faults (read_ahead_kb), and the symbol table is what a backtrace or `perf` needs.
let daemonReleaseLinkFlags = ["-Xlinker", "--strip-debug"]

let package = Package(
    name: "lamina",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lamina", targets: ["lamina"]),
        .executable(name: "lamina-overlayfs", targets: ["lamina-overlayfs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // C modules: libfuse3, libarchive, and the few syscalls Swift cannot call directly.
        .systemLibrary(name: "CFuse", pkgConfig: "fuse3", providers: [.apt(["libfuse3-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CLaminaSystem"),
        // FUSE passthrough on libfuse 3.14: custom session I/O that amends INIT and OPEN replies.
        .target(name: "CFuseTransport", dependencies: ["CFuse"]),

        // System call wrappers: one Swift function per syscall, errors carry errno and path.
        .target(name: "LaminaSystem", dependencies: ["CLaminaSystem"], swiftSettings: daemonCodeSettings),

        // A layer described by one mapped index file (names, metadata, xattrs, where each file's
        // bytes are), read instead of its directory: the owner of the layer index format.
        .target(name: "LaminaLayerIndex", dependencies: ["LaminaSystem"], swiftSettings: daemonCodeSettings),

        // The union engine: pure Swift over POSIX, no FUSE.
        .target(
            name: "LaminaOverlay",
            dependencies: ["LaminaSystem", "LaminaLayerIndex", .product(name: "Logging", package: "swift-log")],
            swiftSettings: daemonCodeSettings),

        // The FUSE bridge: adapts the libfuse3 low-level API to the engine.
        .target(
            name: "LaminaFUSE",
            dependencies: ["CFuse", "CFuseTransport", "LaminaOverlay", "LaminaLayerIndex", "LaminaSystem", .product(name: "Logging", package: "swift-log")],
            swiftSettings: daemonCodeSettings),

        // The image store: OCI layouts, archives, registry, content-addressed layers.
        .target(
            name: "LaminaImage",
            dependencies: [
                "CArchive", "LaminaSystem", "LaminaOverlay", "LaminaLayerIndex",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Lazy pulling: tables of contents (zstd:chunked, eStargz) to layer indexes, blob ranges
        // fetched from the registry on demand, verified, and kept in the store.
        .target(
            name: "LaminaLazy",
            dependencies: [
                "CZstd", "CZlib", "LaminaImage", "LaminaLayerIndex", "LaminaOverlay", "LaminaSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Containers: OCI runtime bundles run by runc on a merged view.
        .target(
            name: "LaminaRuntime",
            dependencies: [
                "LaminaImage", "LaminaLazy", "LaminaOverlay", "LaminaSystem", .product(name: "Logging", package: "swift-log"),
            ]),

        // Benchmarks: Lamina beside kernel overlayfs and fuse-overlayfs.
        .target(
            name: "LaminaBench",
            dependencies: [
                "LaminaImage", "LaminaLazy", "LaminaLayerIndex", "LaminaSystem", .product(name: "Logging", package: "swift-log"),
            ]),

        // The command line, one ArgumentParser command per file.
        .target(
            name: "LaminaCLI",
            dependencies: [
                "LaminaFUSE", "LaminaOverlay", "LaminaImage", "LaminaLazy", "LaminaRuntime", "LaminaBench", "LaminaSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(name: "lamina", dependencies: ["LaminaCLI"]),
        .executableTarget(
            name: "lamina-overlayfs",
            dependencies: ["LaminaFUSE", "LaminaSystem", .product(name: "Logging", package: "swift-log")],
            exclude: ["link"],
            swiftSettings: daemonCodeSettings,
            // One daemon runs per container mount, so its resident code counts many times over
            // (docs/performance.md, "The daemon's code pages"): the Swift runtime and libstdc++ are
            // linked in statically, and lld places the functions a daemon runs (link/code-order.txt,
            // scripts/order-daemon-code) together at the front, so the pages they share are few.
            linkerSettings: [
                .unsafeFlags(daemonLinkFlags),
                .unsafeFlags(daemonReleaseLinkFlags, .when(configuration: .release)),
            ]),

        .testTarget(name: "LaminaSystemTests", dependencies: ["LaminaSystem"]),
        .testTarget(name: "LaminaLayerIndexTests", dependencies: ["LaminaLayerIndex", "LaminaSystem"]),
        .testTarget(name: "LaminaOverlayTests", dependencies: ["LaminaOverlay", "LaminaSystem", "LaminaLayerIndex", "LaminaTestSupport"]),
        .testTarget(name: "LaminaFUSETests", dependencies: ["LaminaFUSE", "LaminaLayerIndex", "LaminaSystem", "LaminaTestSupport"]),
        // Fixtures the image and runtime tests share (odd file names, byte-exact tree listings).
        .target(name: "LaminaTestSupport", dependencies: ["LaminaSystem"], path: "Tests/LaminaTestSupport"),
        .testTarget(
            name: "LaminaImageTests",
            dependencies: ["LaminaImage", "LaminaLazy", "LaminaLayerIndex", "LaminaOverlay", "LaminaSystem", "LaminaTestSupport"]),
        .testTarget(name: "LaminaLazyTests", dependencies: ["LaminaLazy", "LaminaImage", "LaminaLayerIndex", "LaminaSystem"]),
        .testTarget(
            name: "LaminaRuntimeTests", dependencies: ["LaminaRuntime", "LaminaImage", "LaminaSystem", "LaminaTestSupport"]),
        .testTarget(name: "LaminaBenchTests", dependencies: ["LaminaBench", "LaminaSystem"]),
        // The command line as users type it: the real `lamina` binary, runc and a loopback registry.
        .testTarget(name: "LaminaCLITests", dependencies: ["LaminaSystem"]),
    ],
    swiftLanguageModes: [.v6]
)
