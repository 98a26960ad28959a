import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ImageStore {
    /// Writes an image as an `oci-archive` tarball: `oci-layout`, an `index.json` naming it, and its
    /// manifest, config and layer blobs exactly as stored (digests unchanged). The file appears
    /// whole or not at all (written beside `path`, then renamed).
    public func export(_ text: String, to path: String) throws(ImageError) {
        let temporary = path + ".tmp-\(getpid())"
        do {
            try writeArchive(of: text, into: try ArchiveWriter(path: temporary))
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .system(SystemError.current("rename", path: path))
        }
    }

    /// Writes the same archive to an open descriptor (`lamina image export IMAGE -`: standard output).
    public func export(_ text: String, toDescriptor descriptor: Int32) throws(ImageError) {
        try writeArchive(of: text, into: try ArchiveWriter(descriptor: descriptor, name: "standard output"))
    }

    private func writeArchive(of text: String, into writer: ArchiveWriter) throws(ImageError) {
        let record = try resolve(text)
        let details = try details(record)
        try requireCompleteLayers(details.manifest, for: "export")
        var entry = record.manifest
        entry.annotations = record.name.map { [Descriptor.refNameAnnotation: $0] }
        let indexData: Data
        do {
            indexData = try Self.encoder.encode(ImageIndex(manifests: [entry]))
        } catch {
            throw .malformed(what: "index", reason: "\(error)")
        }
        let layout = Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)
        try writer.add(ArchiveEntry(path: "oci-layout", kind: .regular, size: Int64(layout.count)), data: layout)
        try writer.add(ArchiveEntry(path: "index.json", kind: .regular, size: Int64(indexData.count)), data: [UInt8](indexData))
        try writer.add(ArchiveEntry(path: "blobs", kind: .directory, permissions: 0o755))
        try writer.add(ArchiveEntry(path: "blobs/sha256", kind: .directory, permissions: 0o755))
        var written: Set<Digest> = []
        for descriptor in [record.manifest, details.manifest.config] + details.manifest.layers
        where written.insert(descriptor.digest).inserted {
            try writer.addFile(at: blobPath(descriptor.digest), as: "blobs/sha256/\(descriptor.digest.encoded)")
        }
        try writer.finish()
    }
}
