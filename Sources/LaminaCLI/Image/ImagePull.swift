import ArgumentParser
import Dispatch
import LaminaImage
import Synchronization

/// `lamina image pull REF` (and `lamina pull`): fetches an image from a registry (distribution API
/// v2); with `--lazy`, only the tables of contents of its zstd:chunked and eStargz layers.
struct ImagePull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Pull an image from a registry.",
        discussion: "A name without a registry is Docker Hub's (busybox is docker.io/library/busybox).")

    @OptionGroup var options: StoreOptions
    @OptionGroup var registry: RegistryOptions

    @Flag(help: "Fetch only the tables of contents of zstd:chunked and eStargz layers; their files come when first read.")
    var lazy = false

    @Argument(help: "The image reference (HOST[:PORT]/REPOSITORY[:TAG][@DIGEST]).")
    var reference: String

    func run() throws {
        try reportingErrors("pull") {
            let record = try registry.pull(reference, into: try options.open(), lazily: lazy)
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
