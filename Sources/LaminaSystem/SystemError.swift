#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which operation, the errno it returned, and the path it was about.
///
/// Every syscall wrapper in `LaminaSystem` throws this, so a user sees one clear line
/// ("open /var/lib/x: No such file or directory") and the FUSE bridge can reply with `errno`.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    public let operation: String
    public let errno: Int32
    public let path: String?

    public init(_ operation: String, errno: Int32, path: String? = nil) {
        self.operation = operation
        self.errno = errno
        self.path = path
    }

    /// An error for the calling thread's current `errno`.
    public static func current(_ operation: String, path: String? = nil) -> SystemError {
        SystemError(operation, errno: Glibc.errno, path: path)
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        if let path { return "\(operation) \(path): \(reason)" }
        return "\(operation): \(reason)"
    }
}

/// Runs a syscall that returns -1 and sets errno on failure, retrying on EINTR.
@inline(__always)
@inlinable
public func retryingOnInterrupt<T: BinaryInteger>(
    _ operation: String, path: @autoclosure () -> String? = nil, _ body: () -> T
) throws(SystemError) -> T {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = Glibc.errno
        if code == EINTR { continue }
        throw SystemError(operation, errno: code, path: path())
    }
}
