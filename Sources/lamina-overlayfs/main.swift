import Glibc
import LaminaFUSE
import LaminaSystem
import Logging

// fuse-overlayfs-compatible entry point (see docs/compatibility.md). The program depends on the FUSE
// bridge alone, not on LaminaCLI: a daemon that serves a mount loads no image store, registry
// client or TLS library (each would add megabytes of resident memory to every mount).

/// The `lamina-overlayfs` program: fuse-overlayfs's command line over Lamina, for podman, buildah,
/// CRI-O (`mount_program`) and `mount -t fuse.lamina-overlayfs`. Like fuse-overlayfs it returns once
/// the mount is live, leaving the daemon in the background, unless `-f` or `-d` is given.
enum OverlayfsTool {
    static let program = "lamina-overlayfs"
    static let version = "0.1.0"

    /// Runs with this process's command line; returns the exit status.
    static func main(_ arguments: [String] = CommandLine.arguments) -> Int32 {
        let invocation: OverlayfsCommandLine.Invocation
        do {
            invocation = try OverlayfsCommandLine.parse(Array(arguments.dropFirst()))
        } catch {
            printError("\(program): \(error)")
            printError("Try '\(program) --help' for more information.")
            return 1
        }
        switch invocation {
        case .help:
            printOut(OverlayfsCommandLine.usage)
            return 0
        case .version:
            printOut("\(program): version \(version)\nFUSE library version \(FUSELibrary.version)")
            return 0
        case .mount(let options) where options.foreground:
            var logger = Logger(label: "lamina-overlayfs", factory: { StreamLogHandler.standardError(label: $0) })
            // Notices: the one line saying which FUSE transport the mount uses, once the kernel asked.
            logger.logLevel = options.debug ? .trace : .notice
            return MountService.serve(options, program: program, logger: logger)
        case .mount:
            do {
                // `-f` goes first, where a `--` later on cannot turn it into an argument.
                var foreground = arguments
                foreground.insert("-f", at: min(1, foreground.count))
                try BackgroundLaunch.run(arguments: foreground, logFile: nil)
                return 0
            } catch {
                printError("\(program): \(error)")
                return 1
            }
        }
    }

    private static func printOut(_ text: String) {
        try? MountCalls.writeAll(STDOUT_FILENO, Array((text + "\n").utf8))
    }

    private static func printError(_ line: String) {
        try? MountCalls.writeAll(STDERR_FILENO, Array((line + "\n").utf8))
    }
}

exit(OverlayfsTool.main())
