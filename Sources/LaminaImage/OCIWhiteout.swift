import LaminaOverlay
import LaminaSystem

/// The OCI whiteout entries of a layer archive (image-spec "Whiteouts"): `.wh.NAME` deletes NAME
/// from the layers below, `.wh..wh..opq` hides everything below its directory. They are the only
/// markers an image carries, and the unpacker stores them in one shape, whatever the archive
/// said: an empty regular file with no data, link target or xattrs, which every overlay reader
/// (Lamina's engine, fuse-overlayfs, containers/storage) takes by its name alone. Names compare
/// as bytes, as the engine reads them (`Whiteout`).
///
/// Stateless namespace.
enum OCIWhiteout {
    /// AUFS's own bookkeeping (`.wh..wh.plnk/`, `.wh..wh.aufs`): skipped, as Docker skips it.
    static let metadataPrefix: FileName = ".wh..wh."

    /// What an archive path is, as far as whiteouts go.
    enum Role: Equatable {
        /// An ordinary member.
        case member
        /// A whiteout or opaque marker, stored as an empty file.
        case marker
        /// AUFS metadata: not unpacked.
        case skipped
    }

    /// The role of the member at `components`; throws for a whiteout that names nothing (`.wh..`,
    /// `.wh...`) or one that would hold other members.
    static func role(of components: [FileName], entry: ArchivePath) throws(ImageError) -> Role {
        for (position, component) in components.enumerated() where Whiteout.isMarkerName(component) {
            let isLast = position == components.count - 1
            if component.hasPrefix(metadataPrefix) {
                return isLast && component == Whiteout.opaqueEntry ? .marker : .skipped
            }
            guard isLast else {
                throw .unsafeEntry(entry: entry, reason: "a whiteout ('\(component)') cannot hold other entries")
            }
            guard let hidden = Whiteout.hiddenName(of: component), !hidden.isDotOrDotDot else {
                throw .unsafeEntry(entry: entry, reason: "whiteout of an invalid name '\(component)'")
            }
            return .marker
        }
        return .member
    }

    /// True for an overlay-format whiteout (a character device 0/0), which the unpacker stores as
    /// the OCI whiteout it stands for.
    static func isDeviceWhiteout(_ entry: ArchiveEntry) -> Bool {
        entry.kind == .characterDevice && entry.deviceMajor == 0 && entry.deviceMinor == 0 && entry.hardlinkTarget == nil
    }

    /// The header a marker is stored with: an empty regular file keeping only its owner, mode and time.
    static func normalized(_ entry: ArchiveEntry, path: ArchivePath) -> ArchiveEntry {
        ArchiveEntry(
            path: path, kind: .regular, permissions: entry.permissions & 0o777, uid: entry.uid, gid: entry.gid, size: 0,
            modificationSeconds: entry.modificationSeconds, modificationNanoseconds: entry.modificationNanoseconds)
    }
}
