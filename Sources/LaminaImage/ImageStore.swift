import Foundation
import LaminaSystem
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The image store: an OCI image layout (blobs and `index.json`) beside the unpacked layer trees,
/// each keyed by its digest and shared by every image that names it.
///
/// ```
/// STORE/oci-layout, index.json         the OCI layout (skopeo reads oci:STORE:NAME:TAG)
/// STORE/blobs/sha256/HEX               manifests, configs and layer blobs as fetched
/// STORE/layers/sha256/DIFFID-HEX/      one unpacked tree per layer, keyed by diff id
/// STORE/indexes/sha256/DIFFID-HEX       the layer index of that tree (LaminaLayerIndex)
/// STORE/lazy/sha256/BLOB-HEX/          a lazily pulled layer: its index, the bytes fetched so far
/// STORE/staging/op-ID/                 one unfinished operation (removed when its process is gone)
/// STORE/holds/HOLDER.json               layers a container uses (LayerHold): kept by prune
/// STORE/store.lock, index.lock         flock(2) files
/// ```
/// Nothing becomes visible until it is complete: blobs and layers are written under `staging/`
/// and renamed into place; the index is rewritten to a temporary name and renamed. Concurrency
/// between processes is by `StoreLock`; the object itself holds only immutable paths, so it is
/// `Sendable`.
public final class ImageStore: Sendable {
    public let root: String
    public let limits: UnpackLimits
    package let logger: Logger
    /// How long a pull or push waits for a stalled registry's next bytes (`RegistryClient`).
    public let registryIdleTimeout: TimeInterval

    /// Opens (creating if needed) the store at `root`, and removes staging left by killed processes.
    public init(
        root: String, limits: UnpackLimits = .standard, logger: Logger = Logger(label: "lamina.image"),
        registryIdleTimeout: TimeInterval = RegistryClient.defaultIdleTimeout
    ) throws(ImageError) {
        self.root = root
        self.limits = limits
        self.logger = logger
        self.registryIdleTimeout = registryIdleTimeout
        try create()
        try removeAbandonedStaging()
    }

    /// `--store`, else `LAMINA_STORE`, else `/var/lib/lamina` for root and `$XDG_DATA_HOME/lamina`
    /// (default `~/.local/share/lamina`) for everyone else, root of a user namespace included (a
    /// plain user's command run again in a rootless container's namespace keeps the user's store).
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let store = environment["LAMINA_STORE"], !store.isEmpty { return store }
        if Privilege.current == .hostRoot { return "/var/lib/lamina" }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/lamina" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/lamina"
    }

    // MARK: Paths

    var blobsDirectory: String { root + "/blobs/sha256" }
    var layersDirectory: String { root + "/layers/sha256" }
    var indexesDirectory: String { root + "/indexes/sha256" }
    var stagingDirectory: String { root + "/staging" }
    var indexPath: String { root + "/index.json" }
    var storeLockPath: String { root + "/store.lock" }
    var indexLockPath: String { root + "/index.lock" }

    public func blobPath(_ digest: Digest) -> String { blobsDirectory + "/" + digest.encoded }
    /// The unpacked tree of the layer whose uncompressed digest is `diffID`.
    public func layerPath(_ diffID: Digest) -> String { layersDirectory + "/" + diffID.encoded }
    /// Where the index of the unpacked tree of `diffID` is kept (`layerIndex(for:)` makes it on first need).
    public func layerIndexPath(_ diffID: Digest) -> String { indexesDirectory + "/" + diffID.encoded }

    package func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    private func create() throws(ImageError) {
        do {
            for directory in [blobsDirectory, layersDirectory, indexesDirectory, lazyLayersDirectory, stagingDirectory, holdsDirectory] {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            // An image's setuid-root programs and device nodes are real files in the unpacked
            // layers: only their owner may reach them (podman's layer store is 0700 too).
            for directory in [root + "/layers", stagingDirectory] { chmod(directory, 0o700) }
            let layout = root + "/oci-layout"
            if !exists(layout) {
                try atomicWrite(Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: layout)
            }
            if !exists(indexPath) {
                let lock = try StoreLock.acquire(indexLockPath, exclusive: true)
                if !exists(indexPath) { try atomicWrite(try Self.encoder.encode(ImageIndex(manifests: [])), to: indexPath) }
                _ = lock
            }
        } catch let error as ImageError {
            throw error
        } catch {
            throw .malformed(what: "store \(root)", reason: "\(error)")
        }
    }

    /// Writes `data` to a temporary name beside `path` and renames it over `path`.
    func atomicWrite(_ data: Data, to path: String) throws(ImageError) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else {
                let error = ImageError.system(SystemError.current("rename", path: path))
                unlink(temporary)
                throw error
            }
        } catch let error as ImageError {
            throw error
        } catch {
            unlink(temporary)
            throw .malformed(what: path, reason: "\(error)")
        }
    }

    package static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
