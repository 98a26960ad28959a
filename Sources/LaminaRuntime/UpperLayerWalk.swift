import LaminaOverlay
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Reads a container's upper directory as a list of changes, whatever marker format the mount
/// wrote, through the engine's own reader of a layer directory (`LayerListing`): whiteouts in every
/// form, opaque directories, and renamed lower directories (`overlay.redirect`). Overlay-private
/// attributes (`OverlayAttribute`) are dropped from what it reports.
///
/// Paths are names (bytes) from the upper root, one per level; every directory is opened by one
/// name under its parent's descriptor, never following a symlink, so no depth is too deep.
/// Depth first, parents before children; in each directory its whiteouts first, then its entries
/// in byte order. Not thread-safe; one walk per value.
struct UpperLayerWalk {
    /// One change the upper directory holds.
    enum Change {
        /// `path` is deleted.
        case whiteout(path: [FileName])
        /// `path` is new or changed.
        case entry(Entry)
    }

    struct Entry {
        var path: [FileName]
        var status: stat
        var extendedAttributes: [(name: String, value: [UInt8])]
        /// For a directory: what its upper copy holds (names, whiteouts, markers).
        var listing: LayerListing?
        /// For a renamed lower directory: the path it was renamed from (a valid redirect only, as
        /// the engine reads it).
        var redirect: [FileName]?
        /// The directory holding the entry, and its name there, for reading links and data.
        var parent: FileDescriptor
        var name: FileName

        /// True for a directory that hides everything below it.
        var opaque: Bool { listing?.markers.opaque ?? false }
    }

    let root: String
    /// Directories runc made as mount targets; skipped when the image did not have them and they
    /// hold nothing, since they are not the container's own changes.
    let mountTargets: Set<[FileName]>
    let lower: LowerLayers?

    /// `mountTargets` are absolute paths inside the container (`/proc`, `/dev/pts`).
    init(root: String, mountTargets: [String], lower: LowerLayers?) {
        self.root = root
        self.mountTargets = Set(mountTargets.map { $0.split(separator: "/").compactMap { FileName(String($0)) } })
        self.lower = lower
    }

    /// Visits every change; `visit` returns false to skip a directory's contents.
    func walk(_ visit: (Change) throws(RuntimeError) -> Bool) throws(RuntimeError) {
        let directory = try RuntimeError.system { () throws(SystemError) in
            try FileDescriptor.open(root, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        }
        defer { directory.close() }
        try walk(directory, listing: Self.listing(of: directory), prefix: [], visit)
    }

    /// Visits what `listing` (the contents of `directory`, at `prefix`) holds.
    private func walk(
        _ directory: FileDescriptor, listing: LayerListing, prefix: [FileName], _ visit: (Change) throws(RuntimeError) -> Bool
    ) throws(RuntimeError) {
        for name in listing.whiteouts.sorted() {
            _ = try visit(.whiteout(path: prefix + [name]))
        }
        for record in listing.records.sorted(by: { $0.name < $1.name }) {
            let path = prefix + [record.name]
            let status = try RuntimeError.system { () throws(SystemError) in try directory.status(of: record.name) }
            var entry = Entry(
                path: path, status: status, extendedAttributes: Self.fileAttributes(of: record.name, in: directory),
                listing: nil, redirect: nil, parent: directory, name: record.name)
            guard status.st_mode & S_IFMT == S_IFDIR else {
                _ = try visit(.entry(entry))
                continue
            }
            let child = try RuntimeError.system { () throws(SystemError) in
                try directory.open(record.name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            }
            defer { child.close() }
            let children = try Self.listing(of: child)
            entry.listing = children
            entry.redirect = children.markers.redirect?.components(parent: prefix)
            if mountTargets.contains(path), children.records.isEmpty, children.whiteouts.isEmpty,
               try lower?.exists(path) == false {
                continue
            }
            if try visit(.entry(entry)) {
                try walk(child, listing: children, prefix: path, visit)
            }
        }
    }

    private static func listing(of directory: FileDescriptor) throws(RuntimeError) -> LayerListing {
        try RuntimeError.engine("read upper directory") { try LayerListing.read(directory) }
    }

    /// The extended attributes of `name` that belong to the file, not to the overlay.
    static func fileAttributes(of name: FileName, in directory: FileDescriptor) -> [(name: String, value: [UInt8])] {
        let names = (try? directory.extendedAttributeNames(of: name)) ?? []
        return names.filter { !OverlayAttribute.isPrivate($0) }.map { attribute in
            (name: attribute, value: ((try? directory.extendedAttribute(attribute, of: name)) ?? nil) ?? [])
        }
    }
}
