#if canImport(Glibc)
import Glibc
#endif

/// Small text files of /proc (status, stat), read whole in one go: they are generated at read
/// time, so a read in pieces could see two versions.
enum ProcFile {
    static func text(_ path: String) throws(SystemError) -> String {
        let descriptor = try PosixCall.open(path, flags: O_RDONLY)
        defer { PosixCall.close(descriptor) }
        var scratch = [UInt8](repeating: 0, count: 16384)
        let count = try PosixCall.readToEnd(descriptor, scratch: &scratch, path: path)
        return String(decoding: scratch[0..<min(count, scratch.count)], as: UTF8.self)
    }
}
