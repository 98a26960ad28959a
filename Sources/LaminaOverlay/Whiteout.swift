import Glibc
import LaminaSystem

/// Whiteouts: how a layer says "this name is deleted below me".
///
/// Read in every format: a character device 0/0, an OCI `.wh.NAME` file, and a zero-size regular
/// file marked `overlay.whiteout` inside a directory marked `overlay.opaque=x`. Written as the
/// kernel writes them: a character device 0/0 (a link to the work directory's shared one where
/// possible, `WorkDirectory+Whiteout.swift`), or a `.wh.NAME` file where mknod is not allowed.
/// Every check is a byte comparison on a `FileName`.
public enum Whiteout {
    /// OCI whiteout prefix: `.wh.NAME` deletes NAME.
    public static let prefix: FileName = ".wh."
    /// OCI opaque marker entry: the directory hides everything below.
    public static let opaqueEntry: FileName = ".wh..wh..opq"

    /// The forms a whiteout in the upper layer can take.
    enum Form: Sendable { case device, file }

    /// True for a character device 0/0.
    public static func isDevice(_ status: stat) -> Bool {
        status.st_mode & S_IFMT == S_IFCHR && status.st_rdev == 0
    }

    /// True for a name in the whiteout namespace (`.wh.` and anything after it), which no merged
    /// directory can hold.
    public static func isMarkerName(_ name: FileName) -> Bool { name.hasPrefix(prefix) }

    /// For `.wh.NAME`: NAME (nil for the opaque marker, and for names outside the namespace).
    public static func hiddenName(of name: FileName) -> FileName? {
        guard name.hasPrefix(prefix), name != opaqueEntry else { return nil }
        return name.droppingPrefix(prefix.count)
    }

    /// For the bytes of a layer archive's member name `.wh.NAME`, which pass 255 bytes when NAME has
    /// more than 251 (a tar holds such a name; no directory can): NAME. nil for names outside the
    /// namespace and for the opaque marker.
    public static func hiddenName(ofMemberName bytes: some Collection<UInt8>) -> FileName? {
        guard bytes.starts(with: prefix.bytes), !bytes.elementsEqual(opaqueEntry.bytes) else { return nil }
        return FileName(bytes: bytes.dropFirst(prefix.count))
    }

    /// `.wh.NAME` for NAME; nil when that would pass 255 bytes (only a device whiteout can hide it).
    public static func markerName(for name: FileName) -> FileName? { name.prefixed(with: prefix) }

    /// Makes `name` in `directory` a whiteout in the kernel's form, a character device 0/0 (which the
    /// kernel lets any user make, since Linux 5.8).
    public static func createDevice(in directory: FileDescriptor, for name: FileName) throws(SystemError) {
        try directory.makeNode(name, mode: S_IFCHR, device: 0)
    }

    /// True when the zero-size regular file `name` in `directory` carries a whiteout xattr.
    static func hasWhiteoutAttribute(_ directory: FileDescriptor, _ name: FileName) -> Bool {
        OverlayAttribute.whiteoutNames.contains { attribute in
            ((try? directory.extendedAttribute(attribute, of: name)) ?? nil) != nil
        }
    }

    /// The whiteout for `name` in the upper directory `directory`, if there is one.
    static func find(in directory: FileDescriptor, name: FileName) throws -> Form? {
        if let status = try directory.statusIfPresent(of: name) {
            return isDevice(status) ? .device : nil
        }
        guard let marker = markerName(for: name) else { return nil }
        return try directory.statusIfPresent(of: marker) == nil ? nil : .file
    }

    /// The `.wh.NAME` form of a whiteout for `name` in `directory`.
    static func createFile(in directory: FileDescriptor, for name: FileName) throws {
        guard let marker = markerName(for: name) else { throw SystemError("whiteout", errno: ENAMETOOLONG, path: name.description) }
        let file = try directory.open(marker, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0)
        file.close()
    }

    /// Removes the `.wh.NAME` file of `name` if it exists (after a new entry took the name).
    static func removeFile(in directory: FileDescriptor, for name: FileName) throws {
        guard let marker = markerName(for: name) else { return }
        _ = try unlessFailing(with: ENOENT) { try directory.unlink(marker) }
    }
}
