import CLaminaSystem
#if canImport(Glibc)
import Glibc
#endif

/// Creating, linking, renaming and removing names under a directory descriptor.
extension FileDescriptor {
    /// mkdirat(2).
    public func makeDirectory(_ path: String, mode: mode_t) throws(SystemError) {
        _ = try retryingOnInterrupt("mkdir", path: path) { mkdirat(rawValue, path, mode) }
    }

    /// mknodat(2): device nodes, fifos, sockets and whiteouts (character device 0/0).
    public func makeNode(_ path: String, mode: mode_t, device: dev_t) throws(SystemError) {
        _ = try retryingOnInterrupt("mknod", path: path) { mknodat(rawValue, path, mode, device) }
    }

    /// symlinkat(2) with a raw target (symlink targets need not be UTF-8).
    public func makeSymbolicLink(_ path: String, target: [UInt8]) throws(SystemError) {
        let terminated = target + [0]
        _ = try retryingOnInterrupt("symlink", path: path) {
            terminated.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { symlinkat($0.baseAddress!, rawValue, path) }
            }
        }
    }

    /// readlinkat(2): the raw target bytes.
    public func readSymbolicLink(_ path: String) throws(SystemError) -> [UInt8] {
        var capacity = 256
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let count = try retryingOnInterrupt("readlink", path: path) {
                buffer.withUnsafeMutableBufferPointer { raw in
                    raw.withMemoryRebound(to: CChar.self) { readlinkat(rawValue, path, $0.baseAddress!, capacity) }
                }
            }
            if count < capacity { return Array(buffer[0..<count]) }
            capacity *= 4
        }
    }

    /// linkat(2): `path` (under self) gets a new name `newPath` under `directory`.
    public func link(_ path: String, to directory: FileDescriptor, _ newPath: String) throws(SystemError) {
        _ = try retryingOnInterrupt("link", path: newPath) { linkat(rawValue, path, directory.rawValue, newPath, 0) }
    }

    /// unlinkat(2) of a non-directory.
    public func unlink(_ path: String) throws(SystemError) {
        _ = try retryingOnInterrupt("unlink", path: path) { unlinkat(rawValue, path, 0) }
    }

    /// unlinkat(2) with AT_REMOVEDIR.
    public func removeDirectory(_ path: String) throws(SystemError) {
        _ = try retryingOnInterrupt("rmdir", path: path) { unlinkat(rawValue, path, AT_REMOVEDIR) }
    }

    /// renameat2(2) from `path` under self to `newPath` under `directory`.
    public func rename(
        _ path: String, to directory: FileDescriptor, _ newPath: String, flags: RenameOptions = []
    ) throws(SystemError) {
        _ = try retryingOnInterrupt("rename", path: path) {
            clamina_renameat2(rawValue, path, directory.rawValue, newPath, flags.rawValue)
        }
    }
}

/// renameat2(2) flags.
public struct RenameOptions: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let noReplace = RenameOptions(rawValue: clamina_rename_noreplace())
    public static let exchange = RenameOptions(rawValue: clamina_rename_exchange())
    /// Leave a whiteout (character device 0/0) at the old name; needs CAP_MKNOD.
    public static let whiteout = RenameOptions(rawValue: clamina_rename_whiteout())
}

/// Device numbers.
public enum DeviceNumber {
    public static func make(major: UInt32, minor: UInt32) -> dev_t { clamina_makedev(major, minor) }
    public static func major(_ device: dev_t) -> UInt32 { clamina_major(device) }
    public static func minor(_ device: dev_t) -> UInt32 { clamina_minor(device) }
}
