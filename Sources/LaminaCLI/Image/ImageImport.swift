import ArgumentParser
import LaminaImage

#if canImport(Glibc)
import Glibc
#endif

/// `lamina image import PATH [-t NAME:TAG]`: an OCI layout directory, an oci-archive, or a
/// docker-archive (`docker save` / `podman save`).
struct ImageImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an OCI layout directory, an oci-archive or a docker-archive tarball.")

    @OptionGroup var options: StoreOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Name the imported image.", valueName: "name:tag"))
    var tag: String?

    @Option(help: ArgumentHelp("Platform to pick from a multi-platform layout.", valueName: "os/arch[/variant]"))
    var platform: String?

    @Argument(help: "The layout directory or archive file.")
    var path: String

    func run() throws {
        try reportingErrors("import") {
            let store = try options.open()
            let chosen = try platform.map { text throws(ImageError) in try Platform(parsing: text) } ?? .host
            let bar = ProgressBar()
            var info = stat()
            let records: [ImageRecord]
            if stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR {
                records = try store.importLayout(at: path, name: tag, platform: chosen, progress: bar.handler)
            } else {
                records = try store.importArchive(at: path, name: tag, platform: chosen, progress: bar.handler)
            }
            bar.finish()
            for record in records {
                print("\(record.name ?? "<none>") \(record.manifest.digest)")
            }
        }
    }
}
