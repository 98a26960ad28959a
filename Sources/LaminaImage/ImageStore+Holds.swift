import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ImageStore {
    var holdsDirectory: String { root + "/holds" }

    /// Holds the image `text` names for `holder` while `ownerPath` exists: its layers and blobs are
    /// kept by `prune`, and `remove` refuses to drop its last name. Resolving and recording happen
    /// under the store lock (shared: no prune runs meanwhile) and the index lock (no `remove` runs
    /// meanwhile), so the layers returned are on disk and stay there.
    public func hold(_ text: String, holder: String, description: String, ownerPath: String) throws(ImageError) -> HeldImage {
        guard LayerHold.isValidHolder(holder) else { throw .malformed(what: "layer hold", reason: "invalid holder id '\(holder)'") }
        let storeLock = try StoreLock.acquire(storeLockPath, exclusive: false)
        let indexLock = try StoreLock.acquire(indexLockPath, exclusive: true)
        defer { _ = (indexLock, storeLock) }
        let details = try details(try resolve(text))
        let directories = try layerDirectories(of: details, named: text)
        let hold = LayerHold(
            holder: holder, description: description, ownerPath: ownerPath, imageID: details.id,
            manifest: details.record.manifest.digest, diffIDs: details.config.rootfs.diffIDs)
        let data: Data
        do {
            data = try Self.encoder.encode(hold)
        } catch {
            throw .malformed(what: "layer hold", reason: "\(error)")
        }
        try atomicWrite(data, to: holdsDirectory + "/" + holder + ".json")
        return HeldImage(details: details, layerDirectories: directories)
    }

    /// Ends `holder`'s claim (nothing happens when it has none).
    public func release(holder: String) {
        guard LayerHold.isValidHolder(holder) else { return }
        unlink(holdsDirectory + "/" + holder + ".json")
    }

    /// Every claim whose owner still exists; with `removingStale`, the files of the others are removed.
    public func liveHolds(removingStale: Bool = false) -> [LayerHold] {
        var holds: [LayerHold] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: holdsDirectory)) ?? [] where name.hasSuffix(".json") {
            let path = holdsDirectory + "/" + name
            guard let data = FileManager.default.contents(atPath: path),
                  let hold = try? JSONDecoder().decode(LayerHold.self, from: data) else { continue }
            if exists(hold.ownerPath) {
                holds.append(hold)
            } else if removingStale {
                unlink(path)
            }
        }
        return holds.sorted { $0.holder < $1.holder }
    }

    /// The image a live hold keeps, for a holder whose image lost every name (`image rm --force`).
    func heldImage(_ text: String) throws(ImageError) -> ImageRecord? {
        let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        guard let hold = liveHolds().first(where: { $0.imageID.encoded == hex || $0.manifest.encoded == hex }),
              let size = Self.fileSize(blobPath(hold.manifest)) else { return nil }
        return ImageRecord(name: nil, manifest: Descriptor(mediaType: MediaType.ociManifest, digest: hold.manifest, size: size))
    }
}
