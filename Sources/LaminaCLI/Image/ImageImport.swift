import ArgumentParser
import LaminaImage
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// `lamina image import PATH [-t NAME:TAG]`: an OCI layout directory, an oci-archive, or a
/// docker-archive (`docker save` / `podman save`).
struct ImageImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an OCI layout directory, an oci-archive or a docker-archive tarball.",
        aliases: ["load"])

    @OptionGroup var options: StoreOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Name the imported image.", valueName: "name:tag"))
    var tag: String?

    @Option(help: ArgumentHelp("Platform to pick from a multi-platform layout.", valueName: "os/arch[/variant]"))
    var platform: String?

    @Argument(help: "The layout directory or archive file; - for standard input.")
    var path: String

    func run() throws {
        try reportingErrors("import") {
            let chosen = try platform.map { text throws(ImageError) in try Platform(parsing: text) } ?? .host
            for record in try Self.load(path, name: tag, platform: chosen, into: try options.open()) {
                print("\(record.name ?? "<none>") \(record.manifest.digest)")
            }
        }
    }

    /// Imports what `path` holds (`-`: an archive on standard input, never a terminal).
    static func load(_ path: String, name: String?, platform: Platform, into store: ImageStore) throws -> [ImageRecord] {
        let bar = ProgressBar()
        defer { bar.finish() }
        var info = stat()
        if path == "-" {
            guard !ProcessCalls.isTerminal(STDIN_FILENO) else {
                throw ImageError.malformed(what: "input", reason: "standard input is a terminal: give a file, or redirect one in")
            }
            return try store.importArchive(at: "/dev/stdin", name: name, platform: platform, progress: bar.handler)
        }
        if stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR {
            return try store.importLayout(at: path, name: name, platform: platform, progress: bar.handler)
        }
        return try store.importArchive(at: path, name: name, platform: platform, progress: bar.handler)
    }
}
