/// The command line of `lamina-overlayfs`: fuse-overlayfs's own form
/// (`-o lowerdir=...,upperdir=...,workdir=... MOUNTPOINT`) and the form mount.fuse3 runs a helper
/// with (`SOURCE MOUNTPOINT -o OPTIONS`), so podman, buildah, CRI-O and `mount -t fuse.lamina-overlayfs`
/// can all start it.
///
/// Stateless namespace.
public enum OverlayfsCommandLine {
    /// What the command line asks for.
    public enum Invocation: Sendable, Equatable {
        case mount(MountOptions)
        case help
        case version
    }

    public static let usage = """
        usage: lamina-overlayfs [-f] [-d] [-s] -o lowerdir=DIR[:DIR...][,upperdir=DIR,workdir=DIR][,OPTION...] MOUNTPOINT
               lamina-overlayfs SOURCE MOUNTPOINT -o OPTIONS      (as mount.fuse3 runs it)

            -f                 stay in the foreground
            -d, --debug, -o debug   log every operation (implies -f)
            -s                 single-threaded
            -o OPTIONS         comma-separated mount options (see docs/compatibility.md)
            -o passthrough=on|off|auto|all   the kernel reads and writes files itself (FUSE
                               passthrough; default off)
            -o uring=on|off            serve requests over FUSE-over-io_uring where the
                               kernel offers it (default off)
            -V, --version      print the version
            -h, --help         print this help
        """

    /// Parses `arguments` (without the program name).
    public static func parse(_ arguments: [String]) throws(MountError) -> Invocation {
        var options = MountOptions()
        options.fileSystemName = "lamina-overlayfs"
        options.subtype = "lamina-overlayfs"
        var positionals: [String] = []
        var index = 0
        var optionsEnded = false
        func value(after flag: String) throws(MountError) -> String {
            index += 1
            guard index < arguments.count else { throw MountError(.usage, "missing argument to '\(flag)'") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
            } else {
                switch argument {
                case "--": optionsEnded = true
                case "-h", "--help": return .help
                case "-V", "--version": return .version
                case "-f": options.foreground = true
                case "-d", "--debug":
                    options.debug = true
                    options.foreground = true
                case "-s": options.singleThreaded = true
                case "-o": try options.apply(optionList: try value(after: "-o"))
                case "-t": _ = try value(after: "-t")  // mount(8)-style type: the type is always ours
                case "-n", "-v": break  // mount(8) helper flags: no mtab, verbose
                default:
                    if argument.hasPrefix("-o") {
                        try options.apply(optionList: String(argument.dropFirst(2)))
                    } else {
                        throw MountError(.usage, "unknown argument '\(argument)'")
                    }
                }
            }
            index += 1
        }
        switch positionals.count {
        case 1:
            options.mountPoint = positionals[0]
        case 2:
            if !positionals[0].isEmpty && options.fileSystemName == "lamina-overlayfs" {
                options.fileSystemName = positionals[0]
            }
            options.mountPoint = positionals[1]
        case 0:
            throw MountError(.usage, "no mount point given")
        default:
            throw MountError(.usage, "too many arguments: \(positionals.joined(separator: " "))")
        }
        if options.debug { options.foreground = true }
        return .mount(try options.validated())
    }
}
