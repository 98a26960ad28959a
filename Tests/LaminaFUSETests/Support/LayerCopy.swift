import Glibc
import LaminaSystem

/// `cp -a` through descriptors: a whole layer again, each name opened relative to its parent, so
/// trees deeper than PATH_MAX (which `cp -a` and `tar` refuse) and names that are not UTF-8 copy
/// like any other. Kept: type, data, mode, owner, modification and access times (to the
/// nanosecond), every xattr (`trusted.*` included), device numbers and hard links within the tree.
///
/// Not thread-safe: one copy at a time per value (it remembers the inodes it copied).
struct LayerCopy {
    /// (device, inode) of a source file with several links -> the escaped path of its first copy.
    private var copiedLinks: [[UInt64]: String] = [:]
    private let destinationRoot: String

    /// Copies the directory `source` to `destination`, which must not exist yet.
    static func copy(_ source: String, to destination: String) throws {
        var copy = LayerCopy(destinationRoot: destination)
        try PosixCall.makeDirectory(destination, mode: 0o700)
        let from = try FileDescriptor.open(source, flags: O_RDONLY | O_DIRECTORY)
        defer { from.close() }
        let to = try FileDescriptor.open(destination, flags: O_RDONLY | O_DIRECTORY)
        defer { to.close() }
        try copy.copyEntries(from: from, to: to, relative: nil)
        try Self.finish(".", in: to, like: try from.status(), attributesFrom: from, ".")
    }

    private init(destinationRoot: String) { self.destinationRoot = destinationRoot }

    private mutating func copyEntries(from: FileDescriptor, to: FileDescriptor, relative: String?) throws {
        for record in try from.directoryRecords() {
            let name = record.name
            let path = relative.map { $0 + "/" + PathText.escape(name) } ?? PathText.escape(name)
            let info = try from.status(of: name)
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try to.makeDirectory(name, mode: 0o700)
                let childFrom = try from.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                defer { childFrom.close() }
                let childTo = try to.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                defer { childTo.close() }
                try copyEntries(from: childFrom, to: childTo, relative: path)
            case S_IFREG:
                let key = [UInt64(info.st_dev), UInt64(info.st_ino)]
                if info.st_nlink > 1, let first = copiedLinks[key] {
                    let components = try PathText.components(first)
                    let parent = try PathText.openDirectory(destinationRoot, components.dropLast())
                    defer { parent.close() }
                    try parent.link(components[components.count - 1], to: to, name)
                    continue
                }
                if info.st_nlink > 1 { copiedLinks[key] = path }
                let input = try from.open(name, flags: O_RDONLY | O_NOFOLLOW)
                defer { input.close() }
                let output = try to.open(name, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
                defer { output.close() }
                try output.copyData(from: input)
            case S_IFLNK:
                try to.makeSymbolicLink(name, target: try from.readSymbolicLink(name))
            case S_IFCHR, S_IFBLK, S_IFIFO:
                try to.makeNode(name, mode: info.st_mode & S_IFMT, device: info.st_rdev)
            default:
                continue  // sockets: no layer fixture makes one
            }
            try Self.finish(name, in: to, like: info, attributesFrom: from, name)
        }
    }

    /// xattrs, owner, mode (not for symlinks: Linux has no mode of its own for one), then times.
    private static func finish(
        _ name: FileName, in directory: FileDescriptor, like info: stat, attributesFrom source: FileDescriptor,
        _ sourceName: FileName
    ) throws {
        for attribute in try source.extendedAttributeNames(of: sourceName) {
            if let value = try source.extendedAttribute(attribute, of: sourceName) {
                try directory.setExtendedAttribute(attribute, value: value, of: name)
            }
        }
        try directory.setOwner(of: name, uid: info.st_uid, gid: info.st_gid)
        if info.st_mode & S_IFMT != S_IFLNK { try directory.setMode(info.st_mode & 0o7777, of: name) }
        try directory.setTimes(of: name, access: info.st_atim, modification: info.st_mtim)
    }
}
