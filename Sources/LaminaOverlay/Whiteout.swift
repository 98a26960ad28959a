import Glibc
import LaminaSystem

/// Whiteouts: how a layer says "this name is deleted below me".
///
/// Read in every format: a character device 0/0, an OCI `.wh.NAME` file, and a zero-size regular
/// file marked `overlay.whiteout` inside a directory marked `overlay.opaque=x`. Written as the
/// kernel writes them: a character device 0/0, or a `.wh.NAME` file where mknod is not allowed.
enum Whiteout {
    /// OCI whiteout prefix: `.wh.NAME` deletes NAME.
    static let prefix = ".wh."
    /// OCI opaque marker entry: the directory hides everything below.
    static let opaqueEntry = ".wh..wh..opq"

    /// The forms a whiteout in the upper layer can take.
    enum Form: Sendable { case device, file }

    /// True for a character device 0/0.
    static func isDevice(_ status: stat) -> Bool {
        status.st_mode & S_IFMT == S_IFCHR && status.st_rdev == 0
    }

    /// True when the zero-size regular file `name` in `directory` carries a whiteout xattr.
    static func hasWhiteoutAttribute(_ directory: FileDescriptor, _ name: String) -> Bool {
        OverlayAttribute.whiteoutNames.contains { attribute in
            ((try? directory.extendedAttribute(attribute, of: name)) ?? nil) != nil
        }
    }

    /// The whiteout for `name` in upper directory `directoryPath`, if there is one.
    static func find(in upper: FileDescriptor, directory directoryPath: String, name: String) throws -> Form? {
        let path = LayerPath.join(directoryPath, name)
        if let status = try upper.statusIfPresent(of: path) {
            return isDevice(status) ? .device : nil
        }
        let marker = LayerPath.join(directoryPath, prefix + name)
        return try upper.statusIfPresent(of: marker) == nil ? nil : .file
    }

    /// Creates a whiteout at `path` under `directory`: a character device 0/0, or a `.wh.NAME`
    /// file next to it when mknod is not permitted.
    static func create(in directory: FileDescriptor, at path: String) throws {
        let made: Void? = try unlessFailing(with: EPERM) { try directory.makeNode(path, mode: S_IFCHR, device: 0) }
        if made == nil { try createFile(in: directory, at: path) }
    }

    /// The `.wh.NAME` form of a whiteout for `path`.
    static func createFile(in directory: FileDescriptor, at path: String) throws {
        let marker = LayerPath.join(LayerPath.parent(of: path), prefix + LayerPath.name(of: path))
        let file = try directory.open(marker, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0)
        file.close()
    }

    /// Removes the `.wh.NAME` file of `path` if it exists (after a new entry took the name).
    static func removeFile(in directory: FileDescriptor, for path: String) throws {
        let marker = LayerPath.join(LayerPath.parent(of: path), prefix + LayerPath.name(of: path))
        _ = try unlessFailing(with: ENOENT) { try directory.unlink(marker) }
    }
}
