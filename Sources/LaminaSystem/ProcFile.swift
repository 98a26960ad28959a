#if canImport(Glibc)
import Glibc
#endif

/// Small text files of /proc (status, stat), read whole, as text.
enum ProcFile {
    static func text(_ path: String) throws(SystemError) -> String {
        String(decoding: try MountCalls.readFile(path), as: UTF8.self)
    }
}
