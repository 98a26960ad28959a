import ArgumentParser
import LaminaImage
import LaminaLazy

/// How to reach a registry, shared by `pull`, `push` and `run`'s pulling: plain HTTP and
/// credentials. Registries on loopback (127.0.0.0/8, localhost, ::1) speak plain HTTP without
/// `--insecure`, as docker treats them.
struct RegistryOptions: ParsableArguments {
    @Flag(help: "Use plain HTTP (registries on loopback use it anyway).")
    var insecure = false

    @Option(help: ArgumentHelp("Registry credentials.", valueName: "user:password"))
    var creds: String?

    @Option(help: ArgumentHelp("Platform to pick from an index (default: this host's).", valueName: "os/arch[/variant]"))
    var platform: String?

    func credentials() throws(ImageError) -> RegistryCredentials? {
        try creds.map { text throws(ImageError) in try RegistryCredentials(parsing: text) }
    }

    /// Pulls `reference` into `store`, with a progress bar when standard error is a terminal;
    /// `lazily`: only the tables of contents of its zstd:chunked and eStargz layers.
    func pull(_ reference: String, into store: ImageStore, lazily: Bool = false) throws -> ImageRecord {
        let chosen = try platform.map { text throws(ImageError) in try Platform(parsing: text) } ?? .host
        let credentials = try credentials()
        let bar = ProgressBar()
        let (insecure, handler) = (insecure, bar.handler)
        defer { bar.finish() }
        return try waitFor {
            lazily
                ? try await store.pullLazily(reference, platform: chosen, insecure: insecure, credentials: credentials, progress: handler)
                : try await store.pull(reference, platform: chosen, insecure: insecure, credentials: credentials, progress: handler)
        }
    }
}
