import Glibc
import LaminaSystem

/// A whole tree read from the outside, entry by entry: paths relative to the root ("." is the root
/// itself), each with its `EntryRecord`. Taken of a merged view while it is mounted, and of upper
/// and lower directories, so the same record compares all three.
struct TreeSnapshot: Sendable {
    let root: String
    var entries: [String: EntryRecord]

    static func capture(_ root: String) -> TreeSnapshot {
        var snapshot = TreeSnapshot(root: root, entries: [:])
        let rootRecord = Result { () throws(SystemError) in
            let descriptor = try FileDescriptor.open(root, flags: O_RDONLY | O_DIRECTORY)
            defer { descriptor.close() }
            var record = try recordOfOpenDirectory(descriptor)
            snapshot.walk(descriptor: descriptor, relative: nil)
            record.problems += snapshot.entries["."]?.problems ?? []
            return record
        }
        switch rootRecord {
        case .success(let record): snapshot.entries["."] = record
        case .failure(let error): snapshot.entries["."] = EntryRecord(problems: ["\(error)"])
        }
        return snapshot
    }

    /// Lists one directory with getdents64 on its descriptor and reads each entry relative to it
    /// (names as bytes, `PathText` keys), so names that are not UTF-8 and trees deeper than
    /// PATH_MAX are read like any other.
    private mutating func walk(descriptor: FileDescriptor, relative: String?) {
        let here = relative ?? "."
        let listing: [DirectoryRecord]
        do { listing = try descriptor.directoryRecords() } catch {
            entries[here, default: EntryRecord()].problems.append("\(error)")
            return
        }
        for item in listing {
            let name = item.name
            let text = PathText.escape(name)
            let child = relative.map { $0 + "/" + text } ?? text
            if entries[child] != nil {
                entries[child]?.problems.append("listed more than once by readdir")
                continue
            }
            let record = Self.record(of: name, in: descriptor)
            entries[child] = record
            guard record.kind == .directory else { continue }
            do {
                let childDescriptor = try descriptor.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                defer { childDescriptor.close() }
                walk(descriptor: childDescriptor, relative: child)
            } catch {
                entries[child]?.problems.append("\(error)")
            }
        }
    }

    private static func record(of name: FileName, in directory: FileDescriptor) -> EntryRecord {
        var record = EntryRecord()
        do {
            let info = try directory.status(of: name)
            record = fields(of: info)
            switch record.kind {
            case .regular:
                let file = try directory.open(name, flags: O_RDONLY | O_NOFOLLOW)
                defer { file.close() }
                record.content = try content(of: file)
            case .symlink: record.linkTarget = try directory.readSymbolicLink(name)
            case .characterDevice, .blockDevice: record.device = MajorMinor(info.st_rdev)
            default: break
            }
            record.extendedAttributes = try extendedAttributes(
                names: { () throws(SystemError) in try directory.extendedAttributeNames(of: name) },
                value: { (attribute) throws(SystemError) in try directory.extendedAttribute(attribute, of: name) })
        } catch {
            record.problems.append("\(error)")
        }
        return record
    }

    private static func recordOfOpenDirectory(_ descriptor: FileDescriptor) throws(SystemError) -> EntryRecord {
        var record = fields(of: try descriptor.status())
        record.extendedAttributes = try extendedAttributes(
            names: { () throws(SystemError) in try descriptor.extendedAttributeNames() },
            value: { (attribute) throws(SystemError) in try descriptor.extendedAttribute(attribute) })
        return record
    }

    static func fields(of info: stat) -> EntryRecord {
        var record = EntryRecord()
        record.kind = kind(of: info.st_mode)
        record.permissions = UInt32(info.st_mode) & 0o7777
        record.owner = info.st_uid
        record.group = info.st_gid
        record.size = Int64(info.st_size)
        record.linkCount = UInt64(info.st_nlink)
        record.modified = Timestamp(seconds: info.st_mtim.tv_sec, nanoseconds: info.st_mtim.tv_nsec)
        record.changed = Timestamp(seconds: info.st_ctim.tv_sec, nanoseconds: info.st_ctim.tv_nsec)
        record.inode = UInt64(info.st_ino)
        record.fileSystem = UInt64(info.st_dev)
        return record
    }

    static func readAll(_ file: FileDescriptor) throws(SystemError) -> [UInt8] {
        var result: [UInt8] = []
        while true {
            let chunk = try file.read(count: 1 << 16, at: off_t(result.count))
            if chunk.isEmpty { return result }
            result += chunk
        }
    }

    /// All attributes and values; none where the file system has no xattrs (ENOTSUP).
    private static func extendedAttributes(
        names: () throws(SystemError) -> [String], value: (String) throws(SystemError) -> [UInt8]?
    ) throws(SystemError) -> [String: [UInt8]] {
        let list: [String]
        do { list = try names() } catch where error.errno == ENOTSUP || error.errno == EOPNOTSUPP { return [:] }
        var result: [String: [UInt8]] = [:]
        for name in list { result[name] = try value(name) }
        return result
    }

    private static func kind(of mode: mode_t) -> EntryRecord.Kind {
        switch mode & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        case S_IFCHR: .characterDevice
        case S_IFBLK: .blockDevice
        case S_IFIFO: .fifo
        case S_IFSOCK: .socket
        default: .unknown
        }
    }

    /// A regular file's `Content`, read a chunk at a time (files of hundreds of MiB are never held whole).
    private static func content(of file: FileDescriptor) throws(SystemError) -> Content {
        var hasher = Content.Hasher()
        var offset: off_t = 0
        while true {
            let chunk = try file.read(count: 1 << 20, at: offset)
            if chunk.isEmpty { return hasher.content }
            hasher.update(chunk)
            offset += off_t(chunk.count)
        }
    }
}
