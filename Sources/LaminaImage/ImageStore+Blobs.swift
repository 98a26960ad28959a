import Crypto
import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// A blob an import can take: a file, whether it may be moved (it is in our staging), and its
/// digest if it was already computed while writing it.
struct SourceBlob {
    var path: String
    var movable: Bool
    var digest: Digest?
    var size: Int64?
}

extension ImageStore {
    /// Reads a JSON blob from the store, checking its size and digest against `descriptor`.
    func readJSON<T: Decodable>(_ type: T.Type, _ descriptor: Descriptor) throws(ImageError) -> T {
        try Self.readJSON(type, descriptor, at: blobPath(descriptor.digest), limit: limits.maxJSONSize)
    }

    /// Reads and decodes a JSON blob at `path`, refusing it unless its size and digest match `descriptor`.
    static func readJSON<T: Decodable>(_ type: T.Type, _ descriptor: Descriptor, at path: String, limit: Int64) throws(ImageError) -> T {
        let data = try readVerified(descriptor, at: path, limit: limit)
        return try decode(type, data, what: "\(descriptor.mediaType) \(descriptor.digest)")
    }

    static func readVerified(_ descriptor: Descriptor, at path: String, limit: Int64) throws(ImageError) -> Data {
        if descriptor.size > limit { throw .blobTooLarge(descriptor.digest, size: descriptor.size, limit: limit) }
        guard let size = fileSize(path) else { throw .missingBlob(descriptor.digest) }
        guard size == descriptor.size else {
            throw .sizeMismatch(what: "blob \(descriptor.digest)", expected: descriptor.size, actual: size)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .missingBlob(descriptor.digest) }
        let actual = Digest.of(data)
        guard actual == descriptor.digest else {
            throw .digestMismatch(what: "blob \(descriptor.digest)", expected: descriptor.digest, actual: actual)
        }
        return data
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data, what: String) throws(ImageError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw .malformed(what: what, reason: "\(error)")
        }
    }

    package static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    /// Puts a blob into `staging` (unless the store has it already), refusing it unless its size and
    /// digest match `expected`. Returns the path to read it from.
    @discardableResult
    func stageBlob(_ source: SourceBlob?, expected: Descriptor, staging: Staging) throws(ImageError) -> String {
        let stored = blobPath(expected.digest)
        if exists(stored) { return stored }
        let staged = staging.blobPath(expected.digest)
        if exists(staged) { return staged }
        guard let source, let size = Self.fileSize(source.path) else { throw .missingBlob(expected.digest) }
        guard size == expected.size else {
            if size > expected.size, expected.size >= 0 {
                throw .sizeMismatch(what: "blob \(expected.digest) (larger than its descriptor says)", expected: expected.size, actual: size)
            }
            throw .sizeMismatch(what: "blob \(expected.digest)", expected: expected.size, actual: size)
        }
        if source.movable {
            let digest: Digest
            if let known = source.digest { digest = known } else { digest = try Self.hashFile(source.path) }
            guard digest == expected.digest else {
                throw .digestMismatch(what: "blob \(expected.digest)", expected: expected.digest, actual: digest)
            }
            guard rename(source.path, staged) == 0 else { throw .system(SystemError.current("rename", path: source.path)) }
        } else {
            let digest = try Self.copyHashing(from: source.path, to: staged)
            guard digest == expected.digest else {
                unlink(staged)
                throw .digestMismatch(what: "blob \(expected.digest)", expected: expected.digest, actual: digest)
            }
        }
        return staged
    }

    /// Writes bytes already in memory (a manifest or config this process made) into staging.
    func stageBlob(_ data: Data, staging: Staging) throws(ImageError) -> Digest {
        let digest = Digest.of(data)
        if exists(blobPath(digest)) { return digest }
        do {
            try data.write(to: URL(fileURLWithPath: staging.blobPath(digest)))
        } catch {
            throw .malformed(what: "staging", reason: "\(error)")
        }
        return digest
    }

    package static func hashFile(_ path: String) throws(ImageError) -> Digest {
        try copyHashing(from: path, to: nil)
    }

    /// Streams `source` to `destination` (if any), returning the SHA-256 of the bytes.
    static func copyHashing(from source: String, to destination: String?) throws(ImageError) -> Digest {
        let input: FileDescriptor
        do {
            input = try FileDescriptor.open(source, flags: O_RDONLY)
        } catch {
            throw .system(error)
        }
        defer { input.close() }
        var output: FileDescriptor?
        if let destination {
            do {
                output = try FileDescriptor.open(destination, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            } catch {
                throw .system(error)
            }
        }
        defer { output?.close() }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while true {
            let count = read(input.rawValue, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(SystemError.current("read", path: source))
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(bufferPointer: chunk)
            if let output {
                try ImageError.system { () throws(SystemError) in
                    try output.write(buffer: chunk, at: off_t(offset), path: destination ?? "")
                }
            }
            offset += Int64(count)
        }
        return Digest(hasher.finalize())
    }
}
