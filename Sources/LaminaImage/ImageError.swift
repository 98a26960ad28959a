import LaminaSystem

/// Everything that can go wrong in the image store, each case one clear line for the user.
///
/// Hostile or corrupt input is reported by what it is and where (the archive entry, the digest),
/// never as a crash, and never after anything was added to the store.
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidDigest(String)
    case invalidReference(String)
    case imageNotFound(String)
    case layerNotFound(String)
    case ambiguous(String)
    case inUse(String)
    case malformed(what: String, reason: String)
    case unsupportedMediaType(String)
    case missingBlob(Digest)
    case blobTooLarge(Digest, size: Int64, limit: Int64)
    case digestMismatch(what: String, expected: Digest, actual: Digest)
    case sizeMismatch(what: String, expected: Int64, actual: Int64)
    case diffIDMismatch(layer: Int, expected: Digest, actual: Digest)
    case unsafeEntry(entry: String, reason: String)
    case archive(String)
    case noMatchingPlatform(String)
    case registry(String)
    case system(SystemError)

    public var description: String {
        switch self {
        case .invalidDigest(let text): "invalid digest '\(text)' (expected sha256:<64 hex digits>)"
        case .invalidReference(let text):
            "invalid reference format: '\(text)' is not an image name ([HOST[:PORT]/]NAME[:TAG][@DIGEST], NAME in lowercase)"
        case .imageNotFound(let ref): "image not found: \(ref)"
        case .layerNotFound(let ref): "layer not found: \(ref)"
        case .ambiguous(let text): text
        case .inUse(let text): text
        case .malformed(let what, let reason): "malformed \(what): \(reason)"
        case .unsupportedMediaType(let type): "unsupported media type \(type)"
        case .missingBlob(let digest): "blob \(digest) is missing"
        case .blobTooLarge(let digest, let size, let limit):
            "blob \(digest) is too large (\(size) bytes, limit \(limit))"
        case .digestMismatch(let what, let expected, let actual):
            "\(what): digest mismatch (expected \(expected), got \(actual))"
        case .sizeMismatch(let what, let expected, let actual):
            "\(what): size mismatch (expected \(expected) bytes, got \(actual))"
        case .diffIDMismatch(let layer, let expected, let actual):
            "layer \(layer): uncompressed content does not match diff id (expected \(expected), got \(actual))"
        case .unsafeEntry(let entry, let reason): "refused archive entry '\(entry)': \(reason)"
        case .archive(let message): "archive: \(message)"
        case .noMatchingPlatform(let platform): "no image for platform \(platform)"
        case .registry(let message): "registry: \(message)"
        case .system(let error): error.description
        }
    }
}

extension ImageError {
    /// Runs system calls, reporting their failure as an image-store error.
    static func system<T>(_ body: () throws(SystemError) -> T) throws(ImageError) -> T {
        do {
            return try body()
        } catch {
            throw .system(error)
        }
    }
}
