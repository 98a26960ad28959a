import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// An uncompressed layer tar being written member by member, for `ImageStore.commitLayer`.
///
/// The caller decides what the layer holds (whiteouts, opaque markers, hard links) and adds the
/// members parents first; this type only writes them. Data of regular files is streamed from an
/// open descriptor, never loaded whole. Not thread-safe: one writer per commit.
public final class LayerArchive {
    private let writer: ArchiveWriter

    init(path: String) throws(ImageError) {
        writer = try ArchiveWriter(path: path)
    }

    /// Adds a member that has no data (directory, symbolic link, device, fifo, hard link, marker).
    public func add(_ member: LayerMember) throws(ImageError) {
        var entry = member.archiveEntry
        if entry.kind == .regular && entry.hardlinkTarget == nil { entry.size = 0 }
        try writer.add(entry)
    }

    /// Adds a regular file whose data is read from `descriptor` (from its start) up to
    /// `member.size` bytes; a file that shrank meanwhile is padded with zeros by the tar writer.
    public func add(_ member: LayerMember, contentsOf descriptor: Int32) throws(ImageError) {
        let entry = member.archiveEntry
        try writer.add(entry) { (write) throws(ImageError) in
            var offset: Int64 = 0
            let chunkSize = 1 << 20
            while offset < entry.size {
                let want = Int(min(Int64(chunkSize), entry.size - offset))
                let chunk = try ImageError.system { () throws(SystemError) in
                    try FileDescriptor(rawValue: descriptor).read(count: want, at: off_t(offset))
                }
                if chunk.isEmpty { break }
                try write(Data(chunk))
                offset += Int64(chunk.count)
            }
        }
    }

    func finish() throws(ImageError) {
        try writer.finish()
    }
}
