import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Reads a container's upper directory as a list of changes, whatever marker format the mount
/// wrote: whiteouts as 0/0 character devices, `.wh.NAME` files or `overlay.whiteout` files;
/// opaque directories by `overlay.opaque=y` or a `.wh..wh..opq` entry; renamed lower directories
/// by `overlay.redirect`. Overlay-private attributes are dropped from what it reports.
///
/// Walks depth first, parents before children, names sorted. Not thread-safe; one walk per value.
struct UpperLayerWalk {
    /// One change the upper directory holds.
    enum Change {
        /// `path` (relative, no leading `/`) is deleted.
        case whiteout(path: String)
        /// `path` is new or changed; directories also say whether they hide everything below
        /// (`opaque`) and which lower directory they were renamed from (`redirect`, absolute).
        case entry(Entry)
    }

    struct Entry {
        var path: String
        var status: stat
        var extendedAttributes: [(name: String, value: [UInt8])]
        var opaque: Bool
        var redirect: String?
        /// The directory holding the entry, and its name there, for reading links and data.
        var parent: FileDescriptor
        var name: FileName
    }

    static let privatePrefixes = ["trusted.overlay.", "user.overlay.", "user.fuseoverlayfs."]
    /// Entries that mark their directory opaque: OCI's, and fuse-overlayfs's own second marker.
    static let opaqueEntries: Set<FileName> = [".wh..wh..opq", ".wh..opq"]

    let root: String
    /// Directories runc made as mount targets (absolute); skipped when the image did not have
    /// them and they hold nothing, since they are not the container's own changes.
    var mountTargets: Set<String> = []
    var lower: LowerLayers?

    /// Visits every change; `visit` returns false to skip a directory's contents.
    func walk(_ visit: (Change) throws(RuntimeError) -> Bool) throws(RuntimeError) {
        let directory = try RuntimeError.system { () throws(SystemError) in
            try FileDescriptor.open(root, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        }
        defer { directory.close() }
        let records = try RuntimeError.system { () throws(SystemError) in try directory.directoryRecords() }
        try walk(directory, records: records, prefix: "", visit)
    }

    /// Visits `records`, the entries of `directory` (read once: a descriptor's listing does not rewind).
    private func walk(
        _ directory: FileDescriptor, records: [DirectoryRecord], prefix: String, _ visit: (Change) throws(RuntimeError) -> Bool
    ) throws(RuntimeError) {
        for record in records.sorted(by: { $0.name < $1.name }) where !Self.opaqueEntries.contains(record.name) {
            let path = prefix + record.name.description
            if record.name.hasPrefix(".wh."), let hidden = record.name.droppingPrefix(4) {
                _ = try visit(.whiteout(path: prefix + hidden.description))
                continue
            }
            let status = try RuntimeError.system { () throws(SystemError) in try directory.status(of: record.name) }
            let kind = status.st_mode & S_IFMT
            let names = (try? directory.extendedAttributeNames(of: record.name)) ?? []
            if (kind == S_IFCHR && status.st_rdev == 0)
                || (kind == S_IFREG && status.st_size == 0 && names.contains(where: { Self.marker($0) == "whiteout" })) {
                _ = try visit(.whiteout(path: path))
                continue
            }
            var entry = Entry(path: path, status: status, extendedAttributes: [], opaque: false, redirect: nil,
                              parent: directory, name: record.name)
            for name in names {
                let value = (try? directory.extendedAttribute(name, of: record.name)) ?? nil
                switch Self.marker(name) {
                case nil: entry.extendedAttributes.append((name, value ?? []))
                case "opaque": entry.opaque = entry.opaque || value == Array("y".utf8)
                case "redirect": entry.redirect = value.map { Self.absoluteRedirect(String(decoding: $0, as: UTF8.self), prefix: prefix) }
                default: break
                }
            }
            guard kind == S_IFDIR else {
                _ = try visit(.entry(entry))
                continue
            }
            let child = try RuntimeError.system { () throws(SystemError) in
                try directory.open(record.name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            }
            defer { child.close() }
            let children = try RuntimeError.system { () throws(SystemError) in try child.directoryRecords() }
            if children.contains(where: { Self.opaqueEntries.contains($0.name) }) { entry.opaque = true }
            if mountTargets.contains("/" + path), lower?.exists(path) == false,
               children.allSatisfy({ Self.opaqueEntries.contains($0.name) }) {
                continue
            }
            if try visit(.entry(entry)) {
                try walk(child, records: children, prefix: path + "/", visit)
            }
        }
    }

    /// The overlay marker an attribute name stands for ("opaque", "redirect", ...), nil for the file's own.
    static func marker(_ name: String) -> Substring? {
        for prefix in privatePrefixes where name.hasPrefix(prefix) { return name.dropFirst(prefix.count) }
        return nil
    }

    /// The kernel writes a redirect as an absolute path, or as a bare name for a rename in the
    /// same directory.
    static func absoluteRedirect(_ value: String, prefix: String) -> String {
        value.hasPrefix("/") ? value : "/" + prefix + value
    }
}
