import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Reads ranges of a blob held in a local file (a blob in the store, a converted layer).
///
/// Thread safety: immutable; each read opens the file, so concurrent reads are independent.
public struct LocalBlobReader: BlobReader {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public func read(_ range: Range<UInt64>) throws(LazyError) -> [UInt8] {
        let bytes = try LazyError.system { () throws(SystemError) in
            let file = try FileDescriptor.open(path, flags: O_RDONLY)
            defer { file.close() }
            return try file.read(count: Int(range.count), at: off_t(range.lowerBound))
        }
        guard bytes.count == Int(range.count) else { throw .fetch("\(path): \(bytes.count) bytes for a range of \(range.count)") }
        return bytes
    }
}
