import CLaminaSystem
#if canImport(Glibc)
import Glibc
#endif

/// Reading a directory with getdents64 on an open directory descriptor.
extension FileDescriptor {
    /// Every entry of this directory except "." and "..", in the order the filesystem returns them.
    /// Reads from the descriptor's current position (a freshly opened directory: all of it).
    public func directoryRecords() throws(SystemError) -> [DirectoryRecord] {
        var records: [DirectoryRecord] = []
        var buffer = [UInt8](repeating: 0, count: 32 * 1024)
        while true {
            let count = try retryingOnInterrupt("getdents64") {
                buffer.withUnsafeMutableBytes { clamina_getdents64(rawValue, $0.baseAddress, $0.count) }
            }
            if count == 0 { return records }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                while offset < count {
                    let record = raw.baseAddress! + offset
                    let length = Int(clamina_dirent_reclen(record))
                    guard length > 0 else { break }
                    // The kernel returns names (1-255 bytes, no '/'), and "." and "..", skipped here.
                    guard let pointer = clamina_dirent_name(record) else { break }
                    let name = FileName(trusted: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
                    if !name.isDotOrDotDot {
                        records.append(DirectoryRecord(
                            name: name, inode: clamina_dirent_ino(record), type: clamina_dirent_type(record)))
                    }
                    offset += length
                }
            }
        }
    }
}
