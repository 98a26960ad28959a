import CArchive
import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// A libarchive write handle producing a pax tar file (optionally gzip-compressed).
///
/// Used to export images, to write converted layers (through an `ArchiveSink`, which sees each
/// member's bytes as they are written: no blocking, no end padding) and, in tests, to build
/// archives (including hostile ones) at run time.
/// Owns the `struct archive` and frees it in `deinit`. Not thread-safe: one writer per task.
package final class ArchiveWriter {
    private let handle: OpaquePointer
    let path: String
    /// Keeps the sink alive while libarchive holds its pointer.
    private var sink: ArchiveSink?

    package init(path: String, gzip: Bool = false) throws(ImageError) {
        guard let handle = archive_write_new() else { throw .archive("\(path): out of memory") }
        self.handle = handle
        self.path = path
        archive_write_set_format_pax_restricted(handle)
        if gzip { archive_write_add_filter_gzip(handle) }
        try check(archive_write_open_filename(handle, path))
    }

    /// A writer handing every byte to `sink` as soon as libarchive produces it.
    package init(sink: ArchiveSink, name: String) throws(ImageError) {
        guard let handle = archive_write_new() else { throw .archive("\(name): out of memory") }
        self.handle = handle
        self.path = name
        self.sink = sink
        archive_write_set_format_pax_restricted(handle)
        archive_write_set_bytes_per_block(handle, 0)
        archive_write_set_bytes_in_last_block(handle, 1)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        let code = archive_write_open2(
            handle, context, nil,
            { archive, context, buffer, length in
                guard let context else { return -1 }
                let sink = Unmanaged<ArchiveSink>.fromOpaque(context).takeUnretainedValue()
                do {
                    try sink.write(UnsafeRawBufferPointer(start: buffer, count: length))
                    return length
                } catch {
                    carchive_set_error(archive, "\(error)")
                    return -1
                }
            }, nil, nil)
        try check(code)
    }

    /// Writes to an open descriptor (a pipe, standard output), named `name` in errors.
    init(descriptor: Int32, name: String) throws(ImageError) {
        guard let handle = archive_write_new() else { throw .archive("\(name): out of memory") }
        self.handle = handle
        self.path = name
        archive_write_set_format_pax_restricted(handle)
        archive_write_set_bytes_in_last_block(handle, 1)  // no padding after the end, as on a file
        try check(archive_write_open_fd(handle, descriptor))
    }

    deinit {
        archive_write_free(handle)
    }

    /// Writes one member; `data` is its content for regular files.
    package func add(_ entry: ArchiveEntry, data: [UInt8] = []) throws(ImageError) {
        try add(entry) { (write) throws(ImageError) in try write(Data(data)) }
    }

    /// Writes one member, its content given by `body` through the write function it receives.
    package func add(
        _ entry: ArchiveEntry,
        content body: ((Data) throws(ImageError) -> Void) throws(ImageError) -> Void
    ) throws(ImageError) {
        guard let header = archive_entry_new() else { throw .archive("\(path): out of memory") }
        defer { archive_entry_free(header) }
        entry.path.withCString { archive_entry_set_pathname(header, $0) }
        archive_entry_set_filetype(header, UInt32(entry.fileTypeBits))
        archive_entry_set_perm(header, entry.permissions)
        archive_entry_set_uid(header, la_int64_t(entry.uid))
        archive_entry_set_gid(header, la_int64_t(entry.gid))
        archive_entry_set_mtime(header, time_t(entry.modificationSeconds), entry.modificationNanoseconds)
        archive_entry_set_size(header, entry.kind == .regular && entry.hardlinkTarget == nil ? entry.size : 0)
        if let target = entry.symlinkTarget { target.withCString { archive_entry_set_symlink(header, $0) } }
        if let target = entry.hardlinkTarget { target.withCString { archive_entry_set_hardlink(header, $0) } }
        if entry.kind == .characterDevice || entry.kind == .blockDevice {
            archive_entry_set_rdevmajor(header, dev_t(entry.deviceMajor))
            archive_entry_set_rdevminor(header, dev_t(entry.deviceMinor))
        }
        for attribute in entry.extendedAttributes {
            attribute.value.withUnsafeBytes { archive_entry_xattr_add_entry(header, attribute.name, $0.baseAddress, $0.count) }
        }
        try check(archive_write_header(handle, header))
        try body { (chunk) throws(ImageError) in
            let written = chunk.withUnsafeBytes { archive_write_data(handle, $0.baseAddress, $0.count) }
            if written != chunk.count { try check(ARCHIVE_FATAL) }
        }
        try check(archive_write_finish_entry(handle))
    }

    /// Writes a file from disk as a regular member named `name`.
    func addFile(at source: String, as name: ArchivePath) throws(ImageError) {
        guard let size = ImageStore.fileSize(source), let handle = FileHandle(forReadingAtPath: source) else {
            throw .system(SystemError.current("open", path: source))
        }
        defer { try? handle.close() }
        try add(ArchiveEntry(path: name, kind: .regular, permissions: 0o644, size: size)) { (write) throws(ImageError) in
            while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                try write(chunk)
            }
        }
    }

    /// Writes the end of the archive and closes the file.
    package func finish() throws(ImageError) {
        try check(archive_write_close(handle))
    }

    private func check(_ code: Int32) throws(ImageError) {
        guard code < ARCHIVE_WARN else { return }
        let message = archive_error_string(handle).map { String(cString: $0) } ?? "error \(code)"
        throw .archive("\(path): \(message)")
    }
}

/// Where an `ArchiveWriter` built over a sink sends its bytes.
///
/// Subclassed, not a protocol, so libarchive's C callback can recover it from a raw pointer.
/// Not thread-safe: driven by the one writer that owns it.
open class ArchiveSink {
    public init() {}

    /// Takes bytes the writer produced (valid only during the call).
    open func write(_ bytes: UnsafeRawBufferPointer) throws(ImageError) {}
}
