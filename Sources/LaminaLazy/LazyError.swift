import LaminaSystem

/// What can go wrong reading a layer lazily, one line for the user or the log.
///
/// The content provider answers every one of these to the engine as EIO (`SystemError`), after
/// logging this line once.
public enum LazyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The layer's table of contents or footer is not what its format says.
    case malformed(String)
    /// Bytes did not match the digest that vouches for them (a chunk, a file, the TOC, the blob).
    case verification(String)
    /// The registry could not serve the bytes (after the retries the policy allows).
    case fetch(String)
    /// Compressed bytes could not be decompressed.
    case compression(String)
    /// The layer is not one this program can read lazily (it is pulled whole instead).
    case unsupported(String)
    case system(SystemError)

    public var description: String {
        switch self {
        case .malformed(let message): "malformed lazy layer: \(message)"
        case .verification(let message): "verification failed: \(message)"
        case .fetch(let message): "fetch failed: \(message)"
        case .compression(let message): "decompression failed: \(message)"
        case .unsupported(let message): "not lazily readable: \(message)"
        case .system(let error): error.description
        }
    }
}

extension LazyError {
    /// Runs system calls, reporting their failure as a lazy-layer error.
    static func system<T>(_ body: () throws(SystemError) -> T) throws(LazyError) -> T {
        do {
            return try body()
        } catch {
            throw .system(error)
        }
    }
}
