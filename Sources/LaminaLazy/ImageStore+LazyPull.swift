import Foundation
import LaminaImage
import LaminaLayerIndex
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ImageStore {
    /// Pulls an image lazily: the manifest and config as a full pull does, and for each layer in a
    /// lazily readable format (zstd:chunked, eStargz) only its table of contents, checked against
    /// the manifest's annotation and kept as a layer index; its files are fetched when first read
    /// (`LazyLayer`). Layers in neither format are pulled whole.
    @discardableResult
    public func pullLazily(
        _ text: String, platform: Platform = .host, insecure: Bool = false, credentials: RegistryCredentials? = nil,
        progress: ProgressHandler? = nil, policy: RetryPolicy = .standard
    ) async throws(ImageError) -> ImageRecord {
        try await pull(text, platform: platform, insecure: insecure, credentials: credentials, progress: progress) {
            (remote) throws(ImageError) in
            try await self.storeLazily(remote, policy: policy)
        }
    }

    /// Stores `remote` as a lazy layer if its format allows; false when it must be pulled whole.
    func storeLazily(_ remote: RemoteLayer, policy: RetryPolicy) async throws(ImageError) -> Bool {
        guard let format = LazyFormat(remote.descriptor) else { return false }
        let target = lazyLayerPath(remote.descriptor.digest)
        if exists(target + "/record.json") { return true }
        let reader = RegistryBlobReader(client: remote.client, repository: remote.repository, digest: remote.descriptor.digest, policy: policy)
        let store = self
        let outcome: Result<Bool, LazyError> = await Self.onThread { () throws(LazyError) -> Bool in
            try store.writeLazyLayer(remote, format: format, reader: reader, target: target)
        }
        switch outcome {
        case .success(let stored):
            return stored
        case .failure(.unsupported(let reason)):
            logger.info("layer \(remote.descriptor.digest.short) is pulled whole: \(reason)")
            return false
        case .failure(let error):
            throw .registry("lazy layer \(remote.descriptor.digest.short): \(error)")
        }
    }

    /// Reads and checks the TOC, writes the layer's directory under a temporary name and renames it
    /// into place (a directory another pull placed first is kept: it holds the same layer).
    func writeLazyLayer(_ remote: RemoteLayer, format: LazyFormat, reader: any BlobReader, target: String) throws(LazyError) -> Bool {
        let size = UInt64(max(0, remote.descriptor.size))
        let (json, dataEnd) = try format.readTOC(from: reader, size: size)
        let toc = try TableOfContents.decode(json)
        let (builder, prioritizedPaths) = try toc.indexBuilder(compression: format.compression, dataEnd: dataEnd)
        let indexBytes = builder.serialized()
        let index: LayerIndex
        do {
            index = try LayerIndex(bytes: indexBytes)
        } catch {
            throw .malformed(error.description)
        }
        let prioritized = prioritizedPaths.compactMap { path -> UInt32? in
            guard let name = path.last, let parent = index.directory(at: Array(path.dropLast())) else { return nil }
            return index.lookup(name, in: parent)?.file?.rawValue
        }
        let record = LazyLayerRecord(
            descriptor: remote.descriptor, diffID: remote.diffID, format: format.description, host: remote.client.host,
            repository: remote.repository, insecure: remote.insecure, prioritized: prioritized)
        let temporary = target + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try FileManager.default.createDirectory(atPath: temporary + "/files", withIntermediateDirectories: true)
            try Data(indexBytes).write(to: URL(fileURLWithPath: temporary + "/index"))
            try ImageStore.encoder.encode(record).write(to: URL(fileURLWithPath: temporary + "/record.json"))
            _ = FileManager.default.createFile(atPath: temporary + "/ranges", contents: nil)
            _ = FileManager.default.createFile(atPath: temporary + "/locks", contents: nil)
            let blob = try FileDescriptor.open(temporary + "/blob", flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
            defer { blob.close() }
            try blob.truncate(to: off_t(size))
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw .malformed("writing \(temporary): \(error)")
        }
        do {
            try FileDescriptor.currentDirectory.rename(temporary, to: .currentDirectory, target, flags: .noReplace)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            guard error.errno == EEXIST || error.errno == ENOTEMPTY else { throw .system(error) }
        }
        return true
    }

    /// Runs blocking work on a thread of its own and awaits it, so no cooperative thread waits on I/O.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws(LazyError) -> T) async -> Result<T, LazyError> {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(LazyError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.start()
        }
    }
}
