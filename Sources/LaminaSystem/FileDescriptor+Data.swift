import CLaminaSystem
#if canImport(Glibc)
import Glibc
#endif

/// Reading, writing and copying file data.
extension FileDescriptor {
    /// pread(2) into a new array; shorter than `count` at end of file.
    public func read(count: Int, at offset: off_t) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let got = try retryingOnInterrupt("pread") {
            buffer.withUnsafeMutableBytes { pread(rawValue, $0.baseAddress, count, offset) }
        }
        return Array(buffer[0..<got])
    }

    /// pwrite(2) of all of `bytes` (loops over short writes).
    public func write(_ bytes: [UInt8], at offset: off_t) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let written = try retryingOnInterrupt("pwrite") {
                bytes.withUnsafeBytes { pwrite(rawValue, $0.baseAddress! + done, bytes.count - done, offset + off_t(done)) }
            }
            done += written
        }
    }

    /// Copies all of `source` (from its start) to this descriptor (at its start), choosing the
    /// cheapest way the filesystems allow: FICLONE (shared extents), else copy_file_range, else a
    /// read/write loop.
    public func copyData(from source: FileDescriptor) throws(SystemError) {
        if clamina_ficlone(rawValue, source.rawValue) == 0 { return }
        if try copyFileRange(from: source) { return }
        try copyByReading(from: source)
    }

    /// copy_file_range(2) until end of file. False when the kernel cannot (EXDEV, EINVAL, ENOSYS,
    /// EOPNOTSUPP) before any byte was copied.
    private func copyFileRange(from source: FileDescriptor) throws(SystemError) -> Bool {
        var copiedAny = false
        while true {
            let count = clamina_copy_file_range(source.rawValue, rawValue, 1 << 30)
            if count == 0 { return true }
            if count > 0 {
                copiedAny = true
                continue
            }
            let code = Glibc.errno
            if code == EINTR { continue }
            let unsupported = [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP, EPERM].contains(code)
            if unsupported && !copiedAny { return false }
            throw SystemError("copy_file_range", errno: code)
        }
    }

    private func copyByReading(from source: FileDescriptor) throws(SystemError) {
        var offset: off_t = 0
        while true {
            let chunk = try source.read(count: 1 << 20, at: offset)
            if chunk.isEmpty { return }
            try write(chunk, at: offset)
            offset += off_t(chunk.count)
        }
    }
}
