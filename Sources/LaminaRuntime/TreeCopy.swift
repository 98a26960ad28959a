import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Copies one file or directory tree between two directories, entry by entry through
/// descriptors: every name is opened relative to its parent with `O_NOFOLLOW`, so a symbolic
/// link inside the tree is copied as a link and never followed out of it (into the host, when
/// the tree is a container's). Regular files, directories, symbolic links, FIFOs and device
/// nodes are copied with their mode and times; owners only with `preserveOwners`.
///
/// Immutable value; one copy at a time per value is the caller's business.
struct TreeCopy {
    var preserveOwners = false

    /// Copies `name` in `source` to `targetName` in `target` (replacing a file there; a directory
    /// there receives the source directory's entries).
    func copy(_ name: FileName, in source: FileDescriptor, to targetName: FileName, in target: FileDescriptor) throws(SystemError) {
        let info = try source.status(of: name)
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            if let existing = try target.statusIfPresent(of: targetName) {
                guard existing.st_mode & S_IFMT == S_IFDIR else { throw SystemError("copy a directory over a file", errno: ENOTDIR, path: targetName.description) }
            } else {
                try target.makeDirectory(targetName, mode: 0o700)
            }
            let from = try source.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            defer { from.close() }
            let to = try target.open(targetName, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            defer { to.close() }
            for record in try from.directoryRecords() where !record.name.isDotOrDotDot {
                try copy(record.name, in: from, to: record.name, in: to)
            }
            try finish(to, like: info)
        case S_IFREG:
            let from = try source.open(name, flags: O_RDONLY | O_NOFOLLOW)
            defer { from.close() }
            try removeNonDirectory(targetName, in: target, unlessRegular: true)
            let to = try target.open(targetName, flags: O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode: 0o600)
            defer { to.close() }
            try to.copyData(from: from)
            try finish(to, like: info)
        case S_IFLNK:
            let link = try source.readSymbolicLink(name)
            try removeNonDirectory(targetName, in: target)
            try target.makeSymbolicLink(targetName, target: link)
            if preserveOwners { try target.setOwner(of: targetName, uid: info.st_uid, gid: info.st_gid) }
        default:
            try removeNonDirectory(targetName, in: target)
            try target.makeNode(targetName, mode: info.st_mode, device: info.st_rdev)
            if preserveOwners { try target.setOwner(of: targetName, uid: info.st_uid, gid: info.st_gid) }
        }
    }

    /// Mode, times and (if asked) owner of a copied file or directory, from its source's `info`.
    private func finish(_ file: FileDescriptor, like info: stat) throws(SystemError) {
        if preserveOwners { try file.setOwner(uid: info.st_uid, gid: info.st_gid) }
        try file.setMode(info.st_mode & 0o7777)
        try file.setTimes(access: info.st_atim, modification: info.st_mtim)
    }

    /// Clears the way for a new entry: removes a file, link or node of that name (never a
    /// directory, which would lose a tree; writing a non-directory over one fails instead).
    private func removeNonDirectory(_ name: FileName, in directory: FileDescriptor, unlessRegular: Bool = false) throws(SystemError) {
        guard let existing = try directory.statusIfPresent(of: name) else { return }
        let kind = existing.st_mode & S_IFMT
        if kind == S_IFDIR { throw SystemError("copy", errno: EISDIR, path: name.description) }
        if unlessRegular && kind == S_IFREG { return }
        try directory.unlink(name)
    }
}
