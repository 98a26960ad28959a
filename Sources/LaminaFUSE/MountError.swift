import Glibc
import LaminaSystem

/// Why a mount could not be set up: one line a user can act on.
///
/// Option parsing and the pre-mount checks throw this instead of a bare `SystemError` so that the
/// message names what was wrong with the request ("work directory /w is not empty"), not only the
/// syscall that noticed it. `errno` is kept when a syscall was the cause.
public struct MountError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The command line or an `-o` option is malformed or unknown.
        case usage
        /// A layer, upper, work directory or mount point is missing or unsuitable.
        case invalidPath
        /// Something else already uses the mount point or work directory.
        case busy
        /// The system cannot mount (no /dev/fuse, libfuse refused, ...).
        case system
    }

    public let kind: Kind
    public let message: String
    public let errno: Int32?

    public init(_ kind: Kind, _ message: String, errno: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.errno = errno
    }

    public var description: String { message }
}

extension MountError {
    /// Wraps a syscall failure with what the request was about: "upper directory /u: No such file or directory".
    static func path(_ role: String, _ path: String, _ error: SystemError) -> MountError {
        MountError(.invalidPath, "\(role) \(path): \(String(cString: strerror(error.errno)))", errno: error.errno)
    }
}
