import CLaminaSystem
#if canImport(Glibc)
import Glibc
#endif

/// Extended attributes, of an open descriptor (`f*xattr`) or of a path under a directory descriptor
/// without following a final symlink (`l*xattr` through `/proc/self/fd`, as Linux has no `*xattrat`
/// in glibc).
extension FileDescriptor {
    /// flistxattr(2): the attribute names of this open file.
    public func extendedAttributeNames() throws(SystemError) -> [String] {
        let raw = try Self.readGrowing("listxattr", path: nil) { buffer, size in
            clamina_flistxattr(rawValue, buffer.map { $0.assumingMemoryBound(to: CChar.self) }, size)
        }
        return Self.splitNames(raw)
    }

    /// fgetxattr(2); nil when the attribute is absent (ENODATA).
    public func extendedAttribute(_ name: String) throws(SystemError) -> [UInt8]? {
        try Self.absentAsNil {
            () throws(SystemError) in
            try Self.readGrowing("getxattr", path: name) { buffer, size in
                clamina_fgetxattr(rawValue, name, buffer, size)
            }
        }
    }

    /// fsetxattr(2).
    public func setExtendedAttribute(_ name: String, value: [UInt8], flags: Int32 = 0) throws(SystemError) {
        _ = try retryingOnInterrupt("setxattr", path: name) {
            value.withUnsafeBytes { clamina_fsetxattr(rawValue, name, $0.baseAddress, $0.count, flags) }
        }
    }

    /// llistxattr(2) of `path` under this directory.
    public func extendedAttributeNames(of path: some PathArgument) throws(SystemError) -> [String] {
        let raw = try Self.readGrowing("listxattr", path: path.description) { buffer, size in
            withProcPath(path) { clamina_llistxattr($0, buffer.map { $0.assumingMemoryBound(to: CChar.self) }, size) }
        }
        return Self.splitNames(raw)
    }

    /// lgetxattr(2) of `path` under this directory; nil when absent (ENODATA).
    public func extendedAttribute(_ name: String, of path: some PathArgument) throws(SystemError) -> [UInt8]? {
        try Self.absentAsNil {
            () throws(SystemError) in
            try Self.readGrowing("getxattr", path: path.description) { buffer, size in
                withProcPath(path) { clamina_lgetxattr($0, name, buffer, size) }
            }
        }
    }

    /// lsetxattr(2) of `path` under this directory.
    public func setExtendedAttribute(_ name: String, value: [UInt8], of path: some PathArgument, flags: Int32 = 0) throws(SystemError) {
        _ = try retryingOnInterrupt("setxattr", path: path.description) {
            withProcPath(path) { full in value.withUnsafeBytes { clamina_lsetxattr(full, name, $0.baseAddress, $0.count, flags) } }
        }
    }

    /// lremovexattr(2) of `path` under this directory.
    public func removeExtendedAttribute(_ name: String, of path: some PathArgument) throws(SystemError) {
        _ = try retryingOnInterrupt("removexattr", path: path.description) {
            withProcPath(path) { clamina_lremovexattr($0, name) }
        }
    }

    /// Calls a size-probing xattr syscall until the buffer is large enough (the value may grow
    /// between the probe and the read: ERANGE retries).
    private static func readGrowing(
        _ operation: String, path: @autoclosure () -> String?, _ call: (UnsafeMutableRawPointer?, Int) -> Int
    ) throws(SystemError) -> [UInt8] {
        var capacity = 256
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let count = buffer.withUnsafeMutableBytes { call($0.baseAddress, capacity) }
            if count >= 0 { return Array(buffer[0..<count]) }
            let code = Glibc.errno
            if code == EINTR { continue }
            guard code == ERANGE else { throw SystemError(operation, errno: code, path: path()) }
            let needed = call(nil, 0)
            capacity = max(capacity * 2, needed)
        }
    }

    private static func absentAsNil(_ body: () throws(SystemError) -> [UInt8]) throws(SystemError) -> [UInt8]? {
        do {
            return try body()
        } catch where error.errno == ENODATA {
            return nil
        }
    }

    /// Splits a NUL-separated name list.
    private static func splitNames(_ raw: [UInt8]) -> [String] {
        raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}
