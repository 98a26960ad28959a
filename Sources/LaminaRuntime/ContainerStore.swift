import Foundation
import LaminaImage
import LaminaSystem
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The containers of one image store, each a directory beside the images it runs:
///
/// ```
/// STORE/containers/ID/container.json   the record (ContainerRecord)
///                     upper/ work/     the container's writable layer and the overlay's work dir
///                     rootfs/          the merged view's mount point (the bundle's root)
///                     config.json      the OCI runtime bundle's config
///                     container.log    the container's output (CRI log format, `ContainerLog`)
///                     runc.log         runc's own log of the last start
///                     exit.json        how the process ended (ExitRecord)
///                     lock             flock: one change to this container at a time
/// STORE/containers.lock                flock: creating and removing (names stay unique)
/// STORE/runc/                          runc's state (`runc --root`)
/// ```
/// State lives in these files and is probed live (runc, mounts, processes), so it survives the
/// CLI exiting or being killed. The object holds only immutable paths: `Sendable`.
public final class ContainerStore: Sendable {
    public let images: ImageStore
    public let root: String
    let runcRoot: String
    let laminaExecutable: String
    let logger: Logger

    /// `laminaExecutable` is the `lamina` binary: it serves rootfs mounts and monitors detached
    /// containers (the CLI passes its own /proc/self/exe).
    public init(images: ImageStore, laminaExecutable: String, logger: Logger = Logger(label: "lamina.runtime")) throws(RuntimeError) {
        self.images = images
        let storeRoot = (try? MountCalls.canonicalPath(images.root)) ?? images.root
        root = storeRoot + "/containers"
        runcRoot = storeRoot + "/runc"
        self.laminaExecutable = laminaExecutable
        self.logger = logger
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: runcRoot, withIntermediateDirectories: true)
            // Containers' writable layers hold what their processes made (setuid files too).
            chmod(root, 0o700)
        } catch {
            throw .system(SystemError("mkdir", errno: EIO, path: root))
        }
    }

    // MARK: Paths

    func directory(_ id: String) -> String { root + "/" + id }
    func recordPath(_ id: String) -> String { directory(id) + "/container.json" }
    func upperDirectory(_ id: String) -> String { directory(id) + "/upper" }
    func workDirectory(_ id: String) -> String { directory(id) + "/work" }
    /// The merged view's mount point, which is also the bundle's root.
    public func rootfs(_ id: String) -> String { directory(id) + "/rootfs" }
    func bundleDirectory(_ id: String) -> String { directory(id) }
    public func logPath(_ id: String) -> String { directory(id) + "/container.log" }
    /// runc's own log of its last run (JSON), read for the reason when it fails.
    func runcLogPath(_ id: String) -> String { directory(id) + "/runc.log" }
    func exitPath(_ id: String) -> String { directory(id) + "/exit.json" }
    func lockPath(_ id: String) -> String { directory(id) + "/lock" }
    var storeLockPath: String { root + "/../containers.lock" }

    func lock(_ id: String) throws(RuntimeError) -> ContainerLock { try ContainerLock.acquire(lockPath(id)) }
    func lockStore() throws(RuntimeError) -> ContainerLock { try ContainerLock.acquire(storeLockPath) }

    func runc() throws(RuntimeError) -> Runc { try Runc.locate(root: runcRoot) }

    func mounter(_ kind: RootfsMounter.Kind) -> RootfsMounter {
        RootfsMounter(kind: kind, laminaExecutable: laminaExecutable)
    }

    /// Mounts a container's merged view on its rootfs: its image's layers (read by Lamina's daemon
    /// through their indexes, lazily pulled ones through the store) under its upper and work
    /// directories. Returns the daemon serving it.
    func mountRootfs(_ record: ContainerRecord) throws(RuntimeError) -> ProcessIdentity? {
        let lazy = (try? images.hasLazyLayers(record.imageID)) ?? false
        return try mounter(record.mounter).mount(
            lower: record.lowerDirectories, image: .init(store: images.root, image: record.imageID, lazy: lazy),
            upper: upperDirectory(record.id), work: workDirectory(record.id), on: rootfs(record.id))
    }

    // MARK: Records

    /// Every container with a readable record, oldest first.
    public func containers() -> [ContainerRecord] {
        let names = (try? MountCalls.directoryNames(root)) ?? []
        return names.compactMap { read($0) }.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }

    func read(_ id: String) -> ContainerRecord? {
        guard let data = FileManager.default.contents(atPath: recordPath(id)) else { return nil }
        return try? JSONDecoder().decode(ContainerRecord.self, from: data)
    }

    /// A container by name, full id, or a unique id prefix.
    public func find(_ text: String) throws(RuntimeError) -> ContainerRecord {
        let all = containers()
        if let named = all.first(where: { $0.name == text || $0.id == text }) { return named }
        let matches = text.isEmpty ? [] : all.filter { $0.id.hasPrefix(text) }
        guard matches.count <= 1 else { throw .ambiguousContainer(text) }
        guard let found = matches.first else { throw .containerNotFound(text) }
        return found
    }

    func write(_ record: ContainerRecord) throws(RuntimeError) {
        try writeJSON(record, to: recordPath(record.id))
    }

    func exitRecord(_ id: String) -> ExitRecord? {
        guard let data = FileManager.default.contents(atPath: exitPath(id)) else { return nil }
        return try? JSONDecoder().decode(ExitRecord.self, from: data)
    }

    func writeExit(_ id: String, code: Int32, failure: String? = nil) throws(RuntimeError) {
        try writeJSON(ExitRecord(exitCode: code, finished: Self.now(), failure: failure), to: exitPath(id))
    }

    /// Writes to a temporary name and renames it into place, so a reader never sees half a file.
    func writeJSON<T: Encodable>(_ value: T, to path: String) throws(RuntimeError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let temporary = path + ".tmp-\(getpid())"
        do {
            try encoder.encode(value).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw .system(SystemError("write", errno: EIO, path: temporary))
        }
        try RuntimeError.system { () throws(SystemError) in try PosixCall.rename(temporary, to: path) }
    }

    static func now() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}
