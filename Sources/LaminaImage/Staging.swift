import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One operation's private directory under `STORE/staging/`, where blobs and layer trees are
/// written before they are renamed into place.
///
/// Its lock file is held exclusive for the life of the operation, so `removeAbandonedStaging`
/// can tell a live operation from one whose process was killed. Owned by the one task running the
/// operation; not shared.
final class Staging {
    let path: String
    private let lockPath: String
    private let lock: StoreLock

    init(store: ImageStore) throws(ImageError) {
        let name = "op-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        path = store.stagingDirectory + "/" + name
        lockPath = path + ".lock"
        lock = try StoreLock.acquire(lockPath, exclusive: true)
        do {
            for sub in ["blobs", "layers", "indexes"] {
                try FileManager.default.createDirectory(atPath: path + "/" + sub, withIntermediateDirectories: true)
            }
        } catch {
            throw .malformed(what: "staging directory \(path)", reason: "\(error)")
        }
    }

    func blobPath(_ digest: Digest) -> String { path + "/blobs/" + digest.encoded }
    func layerPath(_ diffID: Digest) -> String { path + "/layers/" + diffID.encoded }
    func layerIndexPath(_ diffID: Digest) -> String { path + "/indexes/" + diffID.encoded }
    /// A fresh name for a file whose digest is not known yet.
    func scratchPath(_ hint: String) -> String { path + "/scratch-\(hint)-\(UInt32.random(in: 0...UInt32.max))" }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
        unlink(lockPath)
    }
}

extension ImageStore {
    /// Removes the staging directories of operations whose process is gone (their lock is free).
    func removeAbandonedStaging() throws(ImageError) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: stagingDirectory)) ?? []
        for name in names where name.hasSuffix(".lock") {
            let lockPath = stagingDirectory + "/" + name
            guard let lock = try StoreLock.attempt(lockPath, exclusive: true) else { continue }
            let directory = String(lockPath.dropLast(".lock".count))
            logger.debug("removing abandoned staging \(directory)")
            try? FileManager.default.removeItem(atPath: directory)
            unlink(lockPath)
            _ = lock
        }
    }
}
