#if canImport(Glibc)
import Glibc
#endif

private typealias StatusBuffer = stat

/// An open directory being listed, as `find` lists one: names in readdir order, and `lstat` of a
/// name relative to the open directory (fstatat), so a walk does not resolve whole paths again.
///
/// Owns its `DIR *` and closes it in `deinit`. Not thread-safe: one walker uses one stream.
public final class DirectoryStream {
    public let path: String
    private let stream: OpaquePointer

    public init(_ path: String) throws(SystemError) {
        self.path = path
        var opened: OpaquePointer?
        while true {
            opened = Glibc.opendir(path)
            if opened != nil || Glibc.errno != EINTR { break }
        }
        guard let opened else { throw SystemError.current("opendir", path: path) }
        self.stream = opened
    }

    deinit {
        Glibc.closedir(stream)
    }

    /// The next name and its `d_type` (DT_DIR, DT_REG, ... or DT_UNKNOWN), skipping "." and "..";
    /// nil at the end.
    public func next() throws(SystemError) -> (name: String, type: UInt8)? {
        while true {
            Glibc.errno = 0
            guard let entry = Glibc.readdir(stream) else {
                if Glibc.errno != 0 { throw SystemError.current("readdir", path: path) }
                return nil
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            return (name, entry.pointee.d_type)
        }
    }

    /// Every remaining name.
    public func names() throws(SystemError) -> [String] {
        var result: [String] = []
        while let entry = try next() { result.append(entry.name) }
        return result
    }

    /// lstat of `name` in this directory (fstatat with AT_SYMLINK_NOFOLLOW).
    public func lstat(_ name: String) throws(SystemError) -> stat {
        var result = StatusBuffer()
        let descriptor = Glibc.dirfd(stream)
        _ = try retryingOnInterrupt("lstat", path: path + "/" + name) {
            Glibc.fstatat(descriptor, name, &result, AT_SYMLINK_NOFOLLOW)
        }
        return result
    }
}
