import ArgumentParser
import Dispatch
import LaminaImage
import LaminaLazy
import Synchronization

/// `lamina image pull REF`: fetches an image from a registry (distribution API v2); with `--lazy`,
/// only the tables of contents of its zstd:chunked and eStargz layers.
struct ImagePull: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Pull an image from a registry.")

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("Platform to pick from an index (default: this host's).", valueName: "os/arch[/variant]"))
    var platform: String?

    @Flag(help: "Use plain http (for a registry on loopback).")
    var insecure = false

    @Option(help: ArgumentHelp("Registry credentials.", valueName: "user:password"))
    var creds: String?

    @Flag(help: "Fetch only the tables of contents of zstd:chunked and eStargz layers; their files come when first read.")
    var lazy = false

    @Argument(help: "The image reference (HOST[:PORT]/REPOSITORY[:TAG][@DIGEST]).")
    var reference: String

    func run() throws {
        try reportingErrors("pull") {
            let store = try options.open()
            let chosen = try platform.map { text throws(ImageError) in try Platform(parsing: text) } ?? .host
            let credentials = try creds.map { text throws(ImageError) in try RegistryCredentials(parsing: text) }
            let bar = ProgressBar()
            let (reference, insecure, handler, lazy) = (reference, insecure, bar.handler, lazy)
            let record = try waitFor {
                lazy
                    ? try await store.pullLazily(reference, platform: chosen, insecure: insecure, credentials: credentials, progress: handler)
                    : try await store.pull(reference, platform: chosen, insecure: insecure, credentials: credentials, progress: handler)
            }
            bar.finish()
            print("\(record.name ?? "<none>") \(record.manifest.digest)")
        }
    }
}

/// Runs async work to completion from a synchronous command (the root command is synchronous).
func waitFor<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            let value = try await body()
            result.withLock { $0 = .success(value) }
        } catch {
            result.withLock { $0 = .failure(error) }
        }
        done.signal()
    }
    done.wait()
    guard let outcome = result.withLock({ $0 }) else { throw ImageError.registry("interrupted") }
    return try outcome.get()
}
