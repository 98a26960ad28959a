import Foundation
import LaminaImage
import LaminaLayerIndex
import LaminaSystem
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One lazily pulled layer of the store, read through its layer index, its files fetched from the
/// registry the first time they are read: the content provider the union engine asks for a lazy
/// file's bytes.
///
/// `contentDescriptor(of:)` answers an open read-only descriptor of the whole, verified file in
/// the store (`STORE/lazy/sha256/BLOB/files/ID`), fetching and checking it first if needed.
/// Concurrent requests for one file share one fetch, in one process or several (a byte-range lock
/// per file on `locks`, held by whoever fetches); the fetched bytes are kept in the store, so two
/// mounts of the image read one copy. Thread safety: immutable after `open` apart from
/// `FetchedRanges` (its own mutex) and the files, written by rename; any number of FUSE threads may
/// call at once.
public final class LazyLayer: Sendable {
    public let directory: String
    public let record: LazyLayerRecord
    public let index: LayerIndex
    let reader: any BlobReader
    let ranges: FetchedRanges
    let policy: RetryPolicy
    let logger: Logger
    /// The store's copy of the blob (sparse: only fetched ranges hold bytes).
    let blob: FileDescriptor
    /// The byte-range lock key of the layer-wide prefetch (file ids are below it).
    static let prefetchLockKey: Int64 = 1 << 40

    /// Opens the lazy layer in `directory`, fetching through `reader` (the registry, by default).
    public init(directory: String, reader: (any BlobReader)? = nil, policy: RetryPolicy = .standard, logger: Logger) throws(LazyError) {
        self.directory = directory
        self.policy = policy
        self.logger = logger
        guard let data = FileManager.default.contents(atPath: directory + "/record.json") else {
            throw .malformed("\(directory) holds no lazy layer record")
        }
        do {
            record = try JSONDecoder().decode(LazyLayerRecord.self, from: data)
        } catch {
            throw .malformed("\(directory)/record.json: \(error)")
        }
        do {
            index = try LayerIndex(path: directory + "/index")
        } catch {
            throw .malformed(error.description)
        }
        self.reader = reader ?? RegistryBlobReader(
            client: RegistryClient(host: record.host, insecure: record.insecure, credentials: nil),
            repository: record.repository, digest: record.descriptor.digest, policy: policy)
        ranges = FetchedRanges(logPath: directory + "/ranges")
        blob = try LazyError.system { () throws(SystemError) in try FileDescriptor.open(directory + "/blob", flags: O_RDWR) }
    }

    deinit {
        blob.close()
    }

    public var blobSize: UInt64 { UInt64(max(0, record.descriptor.size)) }

    /// Bytes of the blob in the store's copy.
    public func localBytes() -> UInt64 {
        try? ranges.refresh()
        return ranges.total
    }

    /// The content provider: an open read-only descriptor of the whole, verified content of
    /// `file` (a regular file of this layer), fetched first if the store does not have it. Blocks
    /// the caller for at most the retry budget of each fetch; a file that cannot be served whole
    /// and verified is EIO (one error line logged), never other bytes. The caller closes it.
    public func contentDescriptor(of file: LayerFileID) throws(SystemError) -> FileDescriptor {
        do {
            return try descriptor(of: file)
        } catch {
            logger.error("lazy layer \(record.descriptor.digest.short): file \(file.rawValue) (\(path(of: file))): \(error)")
            throw SystemError("read lazily fetched file", errno: EIO, path: path(of: file))
        }
    }

    /// Where `file`'s verified content is kept.
    func contentPath(_ file: LayerFileID) -> String { directory + "/files/\(file.rawValue)" }

    private func descriptor(of file: LayerFileID) throws(LazyError) -> FileDescriptor {
        let metadata = index.metadata(of: file)
        guard metadata.kind == .regular, Int(file.rawValue) < index.fileCount else {
            throw .malformed("file \(file.rawValue) is not a regular file of this layer")
        }
        if let open = try openContent(file) { return open }
        let lock = try FileLock(path: directory + "/locks", key: Int64(file.rawValue), deadline: policy.budget * 2 + 5)
        defer { lock.release() }
        // Whoever held the lock may have finished it meanwhile.
        if let open = try openContent(file) { return open }
        try materialize(file, metadata: metadata)
        guard let open = try openContent(file) else { throw .malformed("file \(file.rawValue) vanished after it was written") }
        return open
    }

    private func openContent(_ file: LayerFileID) throws(LazyError) -> FileDescriptor? {
        do {
            return try FileDescriptor.open(contentPath(file), flags: O_RDONLY)
        } catch where error.errno == ENOENT {
            return nil
        } catch {
            throw .system(error)
        }
    }

    /// The path of a file's first name, for messages (a breadth-first walk over the index).
    func path(of file: LayerFileID) -> String {
        var queue: [(LayerDirectoryID, String)] = [(.root, "")]
        var next = 0
        while next < queue.count {
            let (directory, prefix) = queue[next]
            next += 1
            for entry in index.entries(of: directory) {
                let path = prefix + "/" + entry.name.description
                if entry.file == file { return path }
                if let id = entry.file, let child = index.directory(of: id) { queue.append((child, path)) }
            }
        }
        return "file \(file.rawValue)"
    }
}
