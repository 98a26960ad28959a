import ArgumentParser
import LaminaImage

/// `lamina save [-o FILE] IMAGE`: docker's form of `lamina image export`, writing standard
/// output unless told a file.
struct SaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Write an image as an oci-archive (as `lamina image export`).",
        discussion: "`docker load` and `podman load` read the archive; so does `lamina load`.")

    @OptionGroup var options: StoreOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("The archive file to write (default: standard output).", valueName: "file"))
    var output: String?

    @Argument(help: "Image name, id or digest.", completion: .custom(Completion.images))
    var image: String

    func run() throws {
        try reportingErrors("save") { try ImageExport.export(image, to: output ?? "-", from: try options.open()) }
    }
}

/// `lamina load [-i FILE]`: docker's form of `lamina image import`, reading standard input
/// unless told a file.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Import an image archive (as `lamina image import`).",
        discussion: "Reads oci-archives (`lamina save`, `podman save --format oci-archive`) and docker-archives (`docker save`).")

    @OptionGroup var options: StoreOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("The archive to read (default: standard input).", valueName: "file"))
    var input: String?

    func run() throws {
        try reportingErrors("load") {
            for record in try ImageImport.load(input ?? "-", name: nil, platform: .host, into: try options.open()) {
                print("Loaded image: \(record.name ?? record.manifest.digest.description)")
            }
        }
    }
}
