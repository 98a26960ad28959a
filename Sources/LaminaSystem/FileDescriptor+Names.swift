import CLaminaSystem
#if canImport(Glibc)
import Glibc
#endif

/// Creating, linking, renaming and removing names under a directory descriptor.
extension FileDescriptor {
    /// mkdirat(2).
    @inlinable
    public func makeDirectory(_ path: some PathArgument, mode: mode_t) throws(SystemError) {
        _ = try retryingOnInterrupt("mkdir", path: path.description) { path.withPathCString { mkdirat(rawValue, $0, mode) } }
    }

    /// mknodat(2): device nodes, fifos, sockets and whiteouts (character device 0/0).
    @inlinable
    public func makeNode(_ path: some PathArgument, mode: mode_t, device: dev_t) throws(SystemError) {
        _ = try retryingOnInterrupt("mknod", path: path.description) {
            path.withPathCString { mknodat(rawValue, $0, mode, device) }
        }
    }

    /// symlinkat(2) with a raw target (symlink targets need not be UTF-8).
    public func makeSymbolicLink(_ path: some PathArgument, target: [UInt8]) throws(SystemError) {
        let terminated = target + [0]
        _ = try retryingOnInterrupt("symlink", path: path.description) {
            terminated.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { target in
                    path.withPathCString { symlinkat(target.baseAddress!, rawValue, $0) }
                }
            }
        }
    }

    /// readlinkat(2): the raw target bytes.
    public func readSymbolicLink(_ path: some PathArgument) throws(SystemError) -> [UInt8] {
        var capacity = 256
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let count = try retryingOnInterrupt("readlink", path: path.description) {
                buffer.withUnsafeMutableBufferPointer { raw in
                    raw.withMemoryRebound(to: CChar.self) { output in
                        path.withPathCString { readlinkat(rawValue, $0, output.baseAddress!, capacity) }
                    }
                }
            }
            if count < capacity { return Array(buffer[0..<count]) }
            capacity *= 4
        }
    }

    /// linkat(2): `path` (under self) gets a new name `newPath` under `directory`.
    @inlinable
    public func link(_ path: some PathArgument, to directory: FileDescriptor, _ newPath: some PathArgument) throws(SystemError) {
        _ = try retryingOnInterrupt("link", path: newPath.description) {
            path.withPathCString { old in newPath.withPathCString { linkat(rawValue, old, directory.rawValue, $0, 0) } }
        }
    }

    /// unlinkat(2) of a non-directory.
    @inlinable
    public func unlink(_ path: some PathArgument) throws(SystemError) {
        _ = try retryingOnInterrupt("unlink", path: path.description) { path.withPathCString { unlinkat(rawValue, $0, 0) } }
    }

    /// unlinkat(2) with AT_REMOVEDIR.
    @inlinable
    public func removeDirectory(_ path: some PathArgument) throws(SystemError) {
        _ = try retryingOnInterrupt("rmdir", path: path.description) {
            path.withPathCString { unlinkat(rawValue, $0, AT_REMOVEDIR) }
        }
    }

    /// renameat2(2) from `path` under self to `newPath` under `directory`.
    public func rename(
        _ path: some PathArgument, to directory: FileDescriptor, _ newPath: some PathArgument, flags: RenameOptions = []
    ) throws(SystemError) {
        _ = try retryingOnInterrupt("rename", path: path.description) {
            path.withPathCString { old in
                newPath.withPathCString { clamina_renameat2(rawValue, old, directory.rawValue, $0, flags.rawValue) }
            }
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
