import Glibc
import LaminaSystem

/// One layer's copy of a directory, read once and sorted into what the merge needs: the names it
/// shows, the names it whites out (in every whiteout format), and its markers (opaque in every
/// format, redirect).
///
/// The engine reads every layer directory through this, and so do the runtime's `lamina diff` and
/// `lamina commit` when they read a container's upper directory: one reader of the format, so what
/// they report is what the mount shows.
///
/// Thread safety: an immutable value once read.
public struct LayerListing: Sendable {
    /// Names this copy shows, with d_type and inode number (whiteouts and OCI markers excluded).
    public var records: [DirectoryRecord] = []
    /// Names this copy deletes in the layers below.
    public var whiteouts: [FileName] = []
    public var markers: DirectoryMarkers

    /// Reads the directory `handle` refers to, markers and entries.
    public static func read(_ handle: FileDescriptor) throws -> LayerListing {
        try read(handle, markers: DirectoryMarkers.read(handle))
    }

    /// Reads the directory `handle` refers to, whose markers are `markers`. A fresh descriptor is
    /// opened for the listing, so the handle's own position is never shared between readers,
    /// unless `handleAtStart` says the caller owns a readable handle no one has listed yet (it
    /// saves an open and a close per directory copy; an O_PATH handle falls back to the open).
    public static func read(_ handle: FileDescriptor, markers: DirectoryMarkers, handleAtStart: Bool = false) throws -> LayerListing {
        let records: [DirectoryRecord]
        if handleAtStart, let fromHandle = try recordsUnlessPathOnly(handle) {
            records = fromHandle
        } else {
            let directory = try handle.open(".", flags: O_RDONLY | O_DIRECTORY)
            defer { directory.close() }
            records = try directory.directoryRecords()
        }
        var listing = LayerListing(markers: markers)
        listing.records.reserveCapacity(records.count)
        for record in records {
            if record.name == Whiteout.opaqueEntry {
                listing.markers.opaque = true
                continue
            }
            if Whiteout.isMarkerName(record.name) {
                if let hidden = Whiteout.hiddenName(of: record.name) { listing.whiteouts.append(hidden) }
                continue
            }
            var record = record
            let checkDevice = record.type == UInt8(DT_CHR)
            let checkAttribute = listing.markers.holdsAttributeWhiteouts && record.type == UInt8(DT_REG)
            if record.type == UInt8(DT_UNKNOWN) || checkDevice || checkAttribute {
                guard let status = try handle.statusIfPresent(of: record.name) else { continue }
                record.type = DirectoryRecord.directoryType(of: status.st_mode)
                if Whiteout.isDevice(status)
                    || (listing.markers.holdsAttributeWhiteouts && record.type == UInt8(DT_REG) && status.st_size == 0
                        && Whiteout.hasWhiteoutAttribute(handle, record.name))
                {
                    listing.whiteouts.append(record.name)
                    continue
                }
            }
            listing.records.append(record)
        }
        return listing
    }

    /// The handle's own entries; nil for an O_PATH handle (getdents answers EBADF).
    private static func recordsUnlessPathOnly(_ handle: FileDescriptor) throws -> [DirectoryRecord]? {
        do {
            return try handle.directoryRecords()
        } catch where error.errno == EBADF {
            return nil
        }
    }
}
