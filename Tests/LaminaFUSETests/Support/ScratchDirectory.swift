import Foundation
import Glibc

/// A test's own directory under /tmp (`/tmp/lamina-test-NAME.XXXXXX`): everything a test builds,
/// mounts and writes lives here, so tests run in parallel without meeting. `remove()` detaches any
/// mount left below it first, so it is safe to call from a `defer` after a failure.
final class ScratchDirectory {
    let path: String

    init(_ name: String) throws {
        let safe = String(name.map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
        var template = Array("/tmp/lamina-test-\(safe).XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw HarnessError("mkdtemp: \(String(cString: strerror(errno)))")
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path/relative`, created as a directory (with its parents).
    @discardableResult
    func directory(_ relative: String) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        return full
    }

    func remove() {
        MountInfo.detachAll(under: path)
        _ = try? Command.run("rm", ["-rf", "--one-file-system", path], timeout: .seconds(300))
    }
}
