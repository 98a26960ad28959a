import LaminaImage
import LaminaOverlay
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Turns a container's changes into the members of an OCI layer: files with their data, hard
/// links kept (the second name of an inode becomes a tar hard link to the first), whiteouts as
/// `.wh.NAME`, opaque directories as `.wh..wh..opq`, and renamed lower directories — which OCI
/// layers cannot express — as an opaque directory holding a full copy of the merged contents.
/// Paths are names (bytes) from the layer root; symbolic link targets are bytes too.
///
/// Owned by one commit; not thread-safe.
final class LayerWriter {
    private let archive: LayerArchive
    /// First layer path written for each (source, device, inode) with more than one link.
    private var linked: [String: [FileName]] = [:]

    init(archive: LayerArchive) {
        self.archive = archive
    }

    func whiteout(_ path: [FileName]) throws(RuntimeError) {
        try add(.whiteout(for: path))
    }

    func opaqueMarker(in directory: [FileName]) throws(RuntimeError) {
        try add(.opaqueMarker(in: directory))
    }

    /// Writes one file, directory, link or device; sockets are skipped (tar cannot hold them).
    func entry(
        _ status: stat, path: [FileName], parent: FileDescriptor, name: FileName,
        extendedAttributes: [(name: String, value: [UInt8])], source: String
    ) throws(RuntimeError) {
        let kind = status.st_mode & S_IFMT
        guard kind != S_IFSOCK else { return }
        var member = try LayerMember.describing(
            status, path: path, parent: parent, name: name, extendedAttributes: extendedAttributes)
        guard kind == S_IFREG else {
            try add(member)
            return
        }
        if status.st_nlink > 1 {
            let key = "\(source):\(status.st_dev):\(status.st_ino)"
            if let first = linked[key] {
                member.hardlinkTarget = first
                try add(member)
                return
            }
            linked[key] = path
        }
        let file = try RuntimeError.system { () throws(SystemError) in
            try parent.open(name, flags: O_RDONLY | O_NOFOLLOW)
        }
        defer { file.close() }
        do {
            try archive.add(member, contentsOf: file.rawValue)
        } catch {
            throw .image(error)
        }
    }

    /// Writes everything under the merged directory `directory` (an open descriptor of the mounted
    /// view), each named under `prefix`.
    func copyTree(_ directory: FileDescriptor, prefix: [FileName]) throws(RuntimeError) {
        let records = try RuntimeError.system { () throws(SystemError) in try directory.directoryRecords() }
        for record in records.sorted(by: { $0.name < $1.name }) {
            let status = try RuntimeError.system { () throws(SystemError) in try directory.status(of: record.name) }
            let path = prefix + [record.name]
            try entry(
                status, path: path, parent: directory, name: record.name,
                extendedAttributes: UpperLayerWalk.fileAttributes(of: record.name, in: directory), source: "merged")
            if status.st_mode & S_IFMT == S_IFDIR {
                let child = try RuntimeError.system { () throws(SystemError) in
                    try directory.open(record.name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                }
                defer { child.close() }
                try copyTree(child, prefix: path)
            }
        }
    }

    private func add(_ member: LayerMember) throws(RuntimeError) {
        do {
            try archive.add(member)
        } catch {
            throw .image(error)
        }
    }
}
