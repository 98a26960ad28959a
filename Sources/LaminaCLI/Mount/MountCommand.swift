import ArgumentParser
import Glibc
import LaminaFUSE
import LaminaImage
import LaminaLazy
import LaminaOverlay
import Logging

/// `lamina mount`: mounts a layer stack (`--lower`) or an image from the store (`IMAGE`) with FUSE.
/// Without `--upper` the mount is read-only.
/// Returns once the mount is live, with the daemon in the background (`--foreground` keeps it in
/// this process until unmounted or signalled).
struct MountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Mount a layer stack or an image with FUSE.",
        discussion: """
            `lamina mount IMAGE MOUNTPOINT` mounts an image of the store; `lamina mount --lower DIRS \
            MOUNTPOINT` mounts layer directories, listed top-most first, as overlayfs lists them. With --upper and --work the \
            mount is writable and changes go to the upper directory; without them it is read-only. \
            Unmount with `lamina unmount MOUNTPOINT`.
            """)

    @Option(help: ArgumentHelp("Lower layer directories, top-most first, separated by ':'.", valueName: "dir[:dir...]"))
    var lower: String?

    @Option(help: ArgumentHelp(
        "The image store, for an IMAGE (default: $LAMINA_STORE, else /var/lib/lamina as root, $XDG_DATA_HOME/lamina otherwise).",
        valueName: "dir"))
    var store: String?

    @Option(help: ArgumentHelp("Writable upper directory (needs --work).", valueName: "dir"))
    var upper: String?

    @Option(help: ArgumentHelp("Work directory on the same file system as --upper; must be empty.", valueName: "dir"))
    var work: String?

    @Option(name: .short, help: ArgumentHelp("Extra mount options as lamina-overlayfs takes them (comma-separated).", valueName: "options"))
    var options: [String] = []

    @Option(help: ArgumentHelp(
        "FUSE passthrough: the kernel reads and writes files itself. on: upper files (and lower files of a read-only mount); all: lower files too (a lower file open for reading cannot be opened for writing meanwhile); off (default): never; auto: on as root where the kernel offers it.",
        valueName: "mode"))
    var passthrough: PassthroughMode?

    @Flag(help: "Serve requests over FUSE-over-io_uring where the kernel offers it (enable_uring=Y); /dev/fuse otherwise.")
    var uring = false

    @Flag(help: "Serve the mount in this process until it is unmounted or signalled.")
    var foreground = false

    @Flag(help: "Log every file system operation (trace level).")
    var debug = false

    @Option(help: ArgumentHelp("Where the background daemon writes its log (default with --debug: /tmp/lamina-mount.<pid>.log).", valueName: "file"))
    var logFile: String?

    @Argument(help: ArgumentHelp("An image of the store (name, id or digest), unless --lower is given; then the directory to mount on.", valueName: "[image] mountpoint"))
    var targets: [String]

    func validate() throws {
        switch (lower, targets.count) {
        case (nil, 2), (.some, 1): return
        case (nil, _): throw ValidationError("Give IMAGE MOUNTPOINT, or --lower DIRS MOUNTPOINT.")
        case (.some, _): throw ValidationError("With --lower, give only the MOUNTPOINT.")
        }
    }

    private var mountPoint: String { targets[targets.count - 1] }

    /// The lower layers, top-most first: `--lower` as given, or the image's layers (read through
    /// their indexes; a lazily pulled layer through the store, its files fetched on first read).
    private func lowerLayers(logger: Logger) throws -> (directories: String, layers: LowerLayerList?, lazy: [LazyLayer]) {
        if let lower { return (lower, nil, []) }
        let images = try ImageStore(root: store ?? ImageStore.defaultRoot())
        let directories = try images.layerDirectories(for: targets[0]).joined(separator: ":")
        // The background starter only checks the image; the daemon (--foreground) opens its layers.
        guard foreground else { return (directories, nil, []) }
        let layers = try images.lowerLayers(for: targets[0], logger: logger)
        return (directories, LowerLayerList(layers), layers.compactMap { $0.content as? LazyLayer })
    }

    func run() throws {
        var logger = Logger(label: "lamina.mount", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = debug ? .trace : .info
        let request: MountOptions
        let lazy: [LazyLayer]
        do {
            let lower = try lowerLayers(logger: logger)
            var options = try mountOptions(lower: lower.directories)
            options.lowerLayers = lower.layers
            request = options
            lazy = lower.lazy
        } catch {
            throw ErrorLine.report("lamina mount", error)
        }
        if foreground {
            // What the image's start needs is read on demand; the rest of each lazy layer comes
            // in the background.
            if let images = try? ImageStore(root: store ?? ImageStore.defaultRoot()) {
                for layer in lazy { layer.startPrefetch(store: images, after: 2) }
            }
            throw ExitCode(MountService.serve(request, program: "lamina mount", logger: logger))
        }
        var log = logFile
        if debug && log == nil {
            log = "/tmp/lamina-mount.\(getpid()).log"
        }
        do {
            try BackgroundLaunch.run(arguments: Self.foregroundArguments(CommandLine.arguments), logFile: log)
        } catch {
            throw ErrorLine.report("lamina mount", error)
        }
        if debug, let log { ErrorLine.print("lamina mount: debug log in \(log)") }
    }

    /// This command line with `--foreground` right after `mount`, where a `--` later on cannot turn
    /// it into an argument.
    static func foregroundArguments(_ arguments: [String]) -> [String] {
        var result = arguments
        let afterSubcommand = result.count > 1 && result[1] == "mount"
        result.insert("--foreground", at: afterSubcommand ? 2 : result.count)
        return result
    }

    private func mountOptions(lower: String) throws(MountError) -> MountOptions {
        var request = MountOptions()
        try request.apply(option: "lowerdir=" + lower)
        if let upper { try request.apply(option: "upperdir=" + upper) }
        if let work { try request.apply(option: "workdir=" + work) }
        // An image's view is for looking at: its setuid programs and device nodes stay inert
        // (a container's rootfs, mounted with --lower by the runtime, keeps them; -o suid,dev too).
        if self.lower == nil { try request.apply(optionList: "nosuid,nodev") }
        for list in options { try request.apply(optionList: list) }
        if let passthrough { request.passthrough = passthrough }
        if uring { request.uring = true }
        request.mountPoint = mountPoint
        request.debug = request.debug || debug
        request.foreground = foreground
        request.logFile = logFile
        return try request.validated()
    }
}

extension PassthroughMode: ExpressibleByArgument {}
