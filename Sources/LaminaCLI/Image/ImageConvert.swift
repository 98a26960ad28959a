import ArgumentParser
import LaminaImage
import LaminaLazy

/// `lamina image convert --format estargz|zstd:chunked SRC DST`: the image again with every layer
/// in a lazily pullable format (still a valid gzip or zstd tar for other tools).
struct ImageConvert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert", abstract: "Write an image again with its layers in a lazily pullable format.")

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("The layer format: estargz or zstd:chunked.", valueName: "format"))
    var format: String

    @Option(help: ArgumentHelp("Cut files into chunks of this many bytes (default 4 MiB).", valueName: "bytes"))
    var chunkSize: Int = 4 << 20

    @Argument(help: "The image to convert.")
    var source: String

    @Argument(help: "The new image's name.")
    var destination: String

    func run() throws {
        try reportingErrors("convert") {
            guard let chosen = ConversionFormat(rawValue: format) else {
                throw ImageError.malformed(what: "--format", reason: "'\(format)' is not estargz or zstd:chunked")
            }
            let record = try options.open().convert(source, to: destination, format: chosen, chunkSize: chunkSize)
            print("\(record.name ?? "") \(record.manifest.digest)")
        }
    }
}
