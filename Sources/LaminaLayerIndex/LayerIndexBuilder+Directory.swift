import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension LayerIndexBuilder {
    /// The index of an unpacked layer directory, read the way the union engine reads it: every
    /// name (getdents), its `lstat`, xattrs and link target; regular files' bytes stay in the
    /// directory (`LayerFileContent.inDirectory`). Names of one file (same inode) become one file
    /// with a link count.
    public static func walking(_ path: String) throws(LayerIndexError) -> LayerIndexBuilder {
        var builder = LayerIndexBuilder()
        var walk = DirectoryWalk(root: path)
        let root = try walk.system { () throws(SystemError) in try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY) }
        defer { root.close() }
        let info = try walk.system { () throws(SystemError) in try root.status() }
        try builder.add([], metadata: walk.metadata(info), extendedAttributes: walk.attributes(root, "."))
        try walk.visit(root, path: [], into: &builder)
        return builder
    }
}

/// One walk over a layer directory: remembers the first name of every inode with several links.
/// Not thread-safe: a value used by one walk.
private struct DirectoryWalk {
    let root: String
    var firstNames: [UInt64: [FileName]] = [:]

    init(root: String) { self.root = root }

    mutating func visit(_ directory: FileDescriptor, path: [FileName], into builder: inout LayerIndexBuilder) throws(LayerIndexError) {
        for record in try system({ () throws(SystemError) in try directory.directoryRecords() }) {
            let name = record.name
            let childPath = path + [name]
            let info = try system { () throws(SystemError) in try directory.status(of: name) }
            let metadata = metadata(info)
            if metadata.kind != .directory && info.st_nlink > 1 {
                let key = UInt64(info.st_ino)
                if let first = firstNames[key] {
                    try builder.addHardLink(childPath, to: first)
                    continue
                }
                firstNames[key] = childPath
            }
            let attributes = try attributes(directory, name)
            switch metadata.kind {
            case .directory:
                try builder.add(childPath, metadata: metadata, extendedAttributes: attributes)
                let child = try system { () throws(SystemError) in
                    try directory.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                }
                defer { child.close() }
                try visit(child, path: childPath, into: &builder)
            case .symbolicLink:
                let target = try system { () throws(SystemError) in try directory.readSymbolicLink(name) }
                try builder.add(childPath, metadata: metadata, extendedAttributes: attributes, linkTarget: target)
            default:
                try builder.add(
                    childPath, metadata: metadata, extendedAttributes: attributes,
                    content: metadata.kind == .regular ? .inDirectory : .none)
            }
        }
    }

    func metadata(_ info: stat) -> LayerFileMetadata {
        let kind = LayerEntryKind(fileTypeBits: info.st_mode) ?? .regular
        return LayerFileMetadata(
            kind: kind, permissions: info.st_mode & 0o7777, uid: info.st_uid, gid: info.st_gid, size: Int64(info.st_size),
            modificationSeconds: Int64(info.st_mtim.tv_sec), modificationNanoseconds: UInt32(info.st_mtim.tv_nsec),
            deviceMajor: DeviceNumber.major(info.st_rdev), deviceMinor: DeviceNumber.minor(info.st_rdev))
    }

    func attributes(_ directory: FileDescriptor, _ name: some PathArgument) throws(LayerIndexError) -> [LayerExtendedAttribute] {
        try system { () throws(SystemError) in
            var result: [LayerExtendedAttribute] = []
            for attribute in try directory.extendedAttributeNames(of: name) {
                guard let value = try directory.extendedAttribute(attribute, of: name) else { continue }
                result.append(LayerExtendedAttribute(name: attribute, value: value))
            }
            return result
        }
    }

    /// Runs system calls of the walk, reporting a failure with the layer it was indexing.
    func system<T>(_ body: () throws(SystemError) -> T) throws(LayerIndexError) -> T {
        do {
            return try body()
        } catch {
            throw .system("indexing layer \(root): \(error)")
        }
    }
}
