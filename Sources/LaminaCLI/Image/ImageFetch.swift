import ArgumentParser
import LaminaImage
import LaminaLazy
import Logging

/// `lamina image fetch REF`: completes every lazily pulled layer of an image (the rest of its
/// bytes, then the checks of a full pull), as a mount's background fetch does.
struct ImageFetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Fetch the rest of a lazily pulled image and verify it.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The image.")
    var reference: String

    func run() throws {
        try reportingErrors("fetch") {
            let store = try options.open()
            let states = try store.completeLazyLayers(for: reference, logger: Logger(label: "lamina.lazy"))
            let mismatched = states.filter { if case .mismatch = $0 { true } else { false } }
            for state in mismatched { print(state) }
            if !mismatched.isEmpty { throw ImageError.malformed(what: reference, reason: "\(mismatched.count) layer(s) do not match their diff id") }
            print("\(reference): \(states.count) lazy layer(s) complete")
        }
    }
}
