import Glibc
import LaminaSystem

/// Copies one lower entry into the work directory, ready to be renamed into the upper layer: data
/// by FICLONE, else copy_file_range, else read/write (then fsync), then owner, xattrs, mode and
/// times. The upper layer never shows a partial copy: only the finished copy is renamed in.
///
/// The overlay's own xattrs (opaque, redirect...) are not copied: they describe the lower layer.
/// Thread safety: stateless. No engine lock is held while it runs (the node's copy-up lock is:
/// only another copy-up of the same node waits for it).
struct CopyUp {
    let work: WorkDirectory
    let cache: DescriptorCache

    /// The copy of `name` in the lower directory `directory` (a directory node's own copy is `name`
    /// ".") made in the work directory under a fresh temporary name; `data: false` copies a regular
    /// file's metadata only (it is about to be truncated). Returns the temporary name and the
    /// source's stat.
    func prepare(from directory: LayerDirectory, _ name: FileName, data: Bool) throws -> (temporary: FileName, source: stat) {
        let status = try directory.status(of: name, cache)
        let temporary = work.temporaryName()
        let scratch = work.descriptor
        do {
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                let output = try scratch.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
                defer { output.close() }
                if data {
                    let input = try directory.open(name, flags: O_RDONLY | O_NOFOLLOW, cache)
                    defer { input.close() }
                    try output.copyData(from: input)
                }
                try copyAttributes(from: directory, name, to: temporary, status: status)
                if data { try output.synchronize() }
            case S_IFDIR:
                try scratch.makeDirectory(temporary, mode: 0o700)
                try copyAttributes(from: directory, name, to: temporary, status: status)
            case S_IFLNK:
                try scratch.makeSymbolicLink(temporary, target: directory.readLink(name, cache))
                try copyAttributes(from: directory, name, to: temporary, status: status)
            default:
                try scratch.makeNode(temporary, mode: (status.st_mode & S_IFMT) | 0o600, device: status.st_rdev)
                try copyAttributes(from: directory, name, to: temporary, status: status)
            }
        } catch {
            try? work.removeTree(temporary)
            throw error
        }
        return (temporary, status)
    }

    /// Owner first (a chown drops security.capability and set-ID bits), then xattrs, then mode,
    /// then times (last: the others change ctime only, but xattrs on some filesystems touch mtime).
    /// With the owner after the xattrs, a copied-up file lost its file capabilities, and an
    /// unprivileged write to such a file failed with EIO: the kernel asks to remove the capability
    /// it saw, and the copy no longer had it.
    private func copyAttributes(from directory: LayerDirectory, _ name: FileName, to temporary: FileName, status: stat) throws {
        let scratch = work.descriptor
        let isLink = status.st_mode & S_IFMT == S_IFLNK
        try scratch.setOwner(of: temporary, uid: status.st_uid, gid: status.st_gid)
        for attribute in try directory.attributeNames(of: name, cache) where !OverlayAttribute.isPrivate(attribute) {
            guard let value = try directory.attribute(attribute, of: name, cache) else { continue }
            do {
                try scratch.setExtendedAttribute(attribute, value: value, of: temporary)
            } catch {
                // user.* xattrs cannot be set on symlinks
                if !isLink || ![EPERM, ENOTSUP].contains(error.errno) { throw error }
            }
        }
        if !isLink { try scratch.setMode(status.st_mode & 0o7777, of: temporary) }
        try scratch.setTimes(of: temporary, access: status.st_atim, modification: status.st_mtim)
    }
}
