import ArgumentParser
import LaminaImage
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// `lamina image export IMAGE PATH` (`-`: standard output): writes the image as an oci-archive tarball.
struct ImageExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write an image as an oci-archive.", aliases: ["save"])

    @OptionGroup var options: StoreOptions

    @Argument(help: "Image name, id or digest.", completion: .custom(Completion.images))
    var image: String

    @Argument(help: "The archive file to write; - for standard output.")
    var path: String

    func run() throws {
        try reportingErrors("export") { try Self.export(image, to: path, from: try options.open()) }
    }

    /// Writes the archive to `path`, or to standard output for `-` (never to a terminal).
    static func export(_ image: String, to path: String, from store: ImageStore) throws {
        guard path == "-" else { return try store.export(image, to: path) }
        guard !ProcessCalls.isTerminal(STDOUT_FILENO) else {
            throw ImageError.malformed(what: "output", reason: "standard output is a terminal: give a file, or redirect it")
        }
        try store.export(image, toDescriptor: STDOUT_FILENO)
    }
}
