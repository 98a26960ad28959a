import Glibc
import LaminaSystem

/// Copies one lower entry into the upper layer: built in the work directory (data by FICLONE,
/// else copy_file_range, else read/write; then xattrs, owner, mode, times) and renamed into place,
/// so the upper layer never shows a partial copy.
///
/// The overlay's own xattrs (opaque, redirect...) are not copied: they describe the lower layer.
/// Thread safety: stateless; the caller holds the parent directory's lock.
struct CopyUp {
    let stack: LayerStack
    let work: WorkDirectory

    /// Copies `source` to `upperPath` (whose parent exists in the upper layer). `data: false`
    /// copies a regular file's metadata only (it is about to be truncated). Returns the copy's stat.
    func copy(_ source: LayerPath, to upperPath: String, data: Bool = true) throws -> stat {
        let root = stack.roots[source.layer]
        let status = try root.status(of: source.path)
        let temporary = work.temporaryName()
        let scratch = work.descriptor
        do {
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                let input = try root.open(source.path, flags: O_RDONLY | O_NOFOLLOW)
                defer { input.close() }
                let output = try scratch.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
                defer { output.close() }
                if data { try output.copyData(from: input) }
                try copyAttributes(of: source, to: temporary, status: status)
                if data { try output.synchronize() }
            case S_IFDIR:
                try scratch.makeDirectory(temporary, mode: 0o700)
                try copyAttributes(of: source, to: temporary, status: status)
            case S_IFLNK:
                try scratch.makeSymbolicLink(temporary, target: root.readSymbolicLink(source.path))
                try copyAttributes(of: source, to: temporary, status: status)
            default:
                try scratch.makeNode(temporary, mode: (status.st_mode & S_IFMT) | 0o600, device: status.st_rdev)
                try copyAttributes(of: source, to: temporary, status: status)
            }
            try scratch.rename(temporary, to: stack.upper, upperPath, flags: .noReplace)
        } catch {
            try? work.removeTree(temporary)
            throw error
        }
        return try stack.upper.status(of: upperPath)
    }

    /// xattrs, then owner, then mode (chown clears set-id bits), then times (last: the others
    /// change ctime only, but xattrs on some filesystems touch mtime).
    private func copyAttributes(of source: LayerPath, to temporary: String, status: stat) throws {
        let root = stack.roots[source.layer]
        let scratch = work.descriptor
        let isLink = status.st_mode & S_IFMT == S_IFLNK
        for name in try root.extendedAttributeNames(of: source.path) where !OverlayAttribute.isPrivate(name) {
            guard let value = try root.extendedAttribute(name, of: source.path) else { continue }
            do {
                try scratch.setExtendedAttribute(name, value: value, of: temporary)
            } catch {
                // user.* xattrs cannot be set on symlinks
                if !isLink || ![EPERM, ENOTSUP].contains(error.errno) { throw error }
            }
        }
        try scratch.setOwner(of: temporary, uid: status.st_uid, gid: status.st_gid)
        if !isLink { try scratch.setMode(status.st_mode & 0o7777, of: temporary) }
        try scratch.setTimes(of: temporary, access: status.st_atim, modification: status.st_mtim)
    }
}
