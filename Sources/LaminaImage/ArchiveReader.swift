import CArchive
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// A libarchive read handle: a tar (in any compression), or the raw decompressed bytes of a stream.
///
/// Owns the `struct archive` and frees it in `deinit`; every return code goes through `check`, which
/// attaches libarchive's own message. Not thread-safe: one reader belongs to one task at a time.
package final class ArchiveReader {
    package enum Format {
        /// tar members (ustar, pax, GNU); compression detected from the bytes.
        case tar
        /// tar members from an already decompressed stream (no filters).
        case tarUncompressed
        /// one member holding the whole decompressed stream.
        case raw
    }

    private let handle: OpaquePointer
    /// Keeps the callback source alive while libarchive holds its pointer.
    private var source: ChunkSource?
    package let name: String

    private init(format: Format, name: String) throws(ImageError) {
        guard let handle = archive_read_new() else { throw .archive("\(name): out of memory") }
        self.handle = handle
        self.name = name
        switch format {
        case .tar:
            archive_read_support_filter_all(handle)
            archive_read_support_format_tar(handle)
        case .tarUncompressed:
            archive_read_support_format_tar(handle)
        case .raw:
            archive_read_support_filter_all(handle)
            archive_read_support_format_raw(handle)
        }
    }

    /// Reads from an open file descriptor (not closed by the reader).
    package convenience init(fileDescriptor: FileDescriptor, format: Format, name: String) throws(ImageError) {
        try self.init(format: format, name: name)
        try check(archive_read_open_fd(handle, fileDescriptor.rawValue, 1 << 20), "open")
    }

    /// Reads bytes pulled from `source`.
    package convenience init(source: ChunkSource, format: Format, name: String) throws(ImageError) {
        try self.init(format: format, name: name)
        self.source = source
        let context = Unmanaged.passUnretained(source).toOpaque()
        let code = archive_read_open(
            handle, context, nil,
            { archive, context, buffer in
                guard let context, let buffer else { return -1 }
                let source = Unmanaged<ChunkSource>.fromOpaque(context).takeUnretainedValue()
                do {
                    let chunk = try source.nextChunk()
                    buffer.pointee = chunk.baseAddress.map { UnsafeRawPointer($0) }
                    return chunk.count
                } catch {
                    carchive_set_error(archive, "\(error)")
                    return -1
                }
            }, nil)
        try check(code, "open")
    }

    deinit {
        archive_read_free(handle)
    }

    /// The next member's header, or nil at the end of the archive.
    package func nextEntry() throws(ImageError) -> ArchiveEntry? {
        var entry: OpaquePointer?
        let code = archive_read_next_header(handle, &entry)
        if code == ARCHIVE_EOF { return nil }
        try check(code, "read header")
        guard let entry else { throw .archive("\(name): no header") }
        return Self.copy(entry)
    }

    /// Calls `body` with each block of the current member's data and its offset in the member
    /// (offsets jump over the holes of sparse files).
    package func readData(_ body: (UnsafeRawBufferPointer, Int64) throws(ImageError) -> Void) throws(ImageError) {
        while true {
            var buffer: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let code = archive_read_data_block(handle, &buffer, &size, &offset)
            if code == ARCHIVE_EOF { return }
            try check(code, "read data")
            try body(UnsafeRawBufferPointer(start: buffer, count: size), offset)
        }
    }

    /// The next block of the current member's data (empty at its end); the buffer is valid until the next call.
    package func nextBlock() throws(ImageError) -> UnsafeRawBufferPointer {
        var buffer: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        let code = archive_read_data_block(handle, &buffer, &size, &offset)
        if code == ARCHIVE_EOF { return UnsafeRawBufferPointer(start: nil, count: 0) }
        try check(code, "read data")
        return UnsafeRawBufferPointer(start: buffer, count: size)
    }

    private func check(_ code: Int32, _ operation: String) throws(ImageError) {
        guard code < ARCHIVE_WARN else { return }
        let message = archive_error_string(handle).map { String(cString: $0) } ?? "error \(code)"
        throw .archive("\(name): \(message)")
    }

    private static func copy(_ entry: OpaquePointer) -> ArchiveEntry {
        // Bytes as the header holds them (libarchive converts nothing in the C locale).
        let path = archive_entry_pathname(entry).map(Self.bytes) ?? []
        var result = ArchiveEntry(
            path: ArchivePath(bytes: path),
            kind: ArchiveEntry.kind(forTypeBits: archive_entry_filetype(entry)),
            permissions: archive_entry_perm(entry),
            uid: uid_t(clamping: archive_entry_uid(entry)),
            gid: gid_t(clamping: archive_entry_gid(entry)),
            size: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : 0,
            modificationSeconds: Int(archive_entry_mtime(entry)),
            modificationNanoseconds: Int(archive_entry_mtime_nsec(entry)),
            symlinkTarget: archive_entry_symlink(entry).map { ArchivePath(bytes: Self.bytes($0)) },
            hardlinkTarget: archive_entry_hardlink(entry).map { ArchivePath(bytes: Self.bytes($0)) },
            deviceMajor: UInt32(truncatingIfNeeded: archive_entry_rdevmajor(entry)),
            deviceMinor: UInt32(truncatingIfNeeded: archive_entry_rdevminor(entry)))
        if result.hardlinkTarget != nil { result.kind = .regular }
        archive_entry_xattr_reset(entry)
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK {
            guard let name else { continue }
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            result.extendedAttributes.append((String(cString: name), bytes))
        }
        return result
    }

    /// The bytes of a C string libarchive returned.
    private static func bytes(_ string: UnsafePointer<CChar>) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: string, count: strlen(string)))
    }
}

/// Where an `ArchiveReader` built over a stream pulls its bytes from.
///
/// Subclassed, not a protocol, so libarchive's C callback can recover it from a raw pointer.
/// Not thread-safe: driven by the one reader that owns it.
package class ChunkSource {
    /// The next chunk of bytes (empty at the end); valid until the next call.
    package func nextChunk() throws(ImageError) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: nil, count: 0)
    }
}
