import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ContainerStore {
    /// One end of `lamina cp`: a path on the host, or in a container.
    public enum CopyLocation: Sendable, Equatable {
        case host(String)
        case container(String, path: String)
    }

    /// `lamina cp`, with docker's rules: a file onto a directory goes into it, onto a file
    /// replaces it, onto a missing name becomes that name (a name ending in `/` must be an
    /// existing directory); a directory onto a missing name becomes it, onto a directory goes into
    /// it, and `SRC/.` copies the directory's contents instead. A running container is reached
    /// through its process's root (so its own mounts, such as /tmp, are seen), a stopped one
    /// through its merged view, mounted for the copy. Container paths are resolved inside the
    /// container's root: no link in it reaches a host file. Owners are kept with `archive`
    /// (otherwise copies belong to the caller, root inside the container).
    public func copy(from source: CopyLocation, to target: CopyLocation, archive: Bool = false) throws(RuntimeError) {
        var views: [MergedView] = []
        defer { for view in views { view.close() } }
        func root(of location: CopyLocation) throws(RuntimeError) -> FileDescriptor? {
            guard case .container(let text, _) = location else { return nil }
            let record = try find(text)
            let status = status(of: record)
            var path = ""
            if status.state == .running, let pid = status.pid {
                path = "/proc/\(pid)/root"
            } else {
                let view = MergedView(store: self, record: record)
                views.append(view)
                path = try view.root()
            }
            return try RuntimeError.system { () throws(SystemError) in try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY) }
        }
        let sourceRoot = try root(of: source)
        defer { sourceRoot?.close() }
        let targetRoot = try root(of: target)
        defer { targetRoot?.close() }
        try RuntimeError.system { () throws(SystemError) in
            try Self.copy(source.path, in: sourceRoot, to: target.path, in: targetRoot, copier: TreeCopy(preserveOwners: archive))
        }
    }

    private static func copy(
        _ sourcePath: String, in sourceRoot: FileDescriptor?, to targetPath: String, in targetRoot: FileDescriptor?, copier: TreeCopy
    ) throws(SystemError) {
        let contentsOnly = sourcePath.hasSuffix("/.")
        let (sourceParentPath, sourceName) = try split(contentsOnly ? String(sourcePath.dropLast(2)) : sourcePath)
        let sourceParent: FileDescriptor
        let sourceInfo: stat
        do {
            sourceParent = try open(sourceParentPath, in: sourceRoot, flags: O_RDONLY | O_DIRECTORY)
        } catch {
            throw SystemError(error.operation, errno: error.errno, path: sourcePath)
        }
        defer { sourceParent.close() }
        do {
            sourceInfo = try sourceParent.status(of: sourceName)
        } catch {
            throw SystemError("stat", errno: error.errno, path: sourcePath)
        }
        let sourceIsDirectory = sourceInfo.st_mode & S_IFMT == S_IFDIR

        let existing = try? open(targetPath, in: targetRoot, flags: OpenFlags.path)
        let targetInfo = try existing?.status()
        existing?.close()
        if let targetInfo, targetInfo.st_mode & S_IFMT == S_IFDIR {
            let directory = try open(targetPath, in: targetRoot, flags: O_RDONLY | O_DIRECTORY)
            defer { directory.close() }
            guard sourceIsDirectory && contentsOnly else {
                return try copier.copy(sourceName, in: sourceParent, to: sourceName.isDotOrDotDot ? "root" : sourceName, in: directory)
            }
            let from = try sourceParent.open(sourceName, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            defer { from.close() }
            for record in try from.directoryRecords() where !record.name.isDotOrDotDot {
                try copier.copy(record.name, in: from, to: record.name, in: directory)
            }
            return
        }
        if targetInfo != nil && sourceIsDirectory {
            throw SystemError("cannot copy a directory onto a file", errno: ENOTDIR, path: targetPath)
        }
        if targetInfo == nil && targetPath.hasSuffix("/") && !sourceIsDirectory {
            throw SystemError("the destination directory must exist", errno: ENOENT, path: targetPath)
        }
        let (targetParentPath, targetName) = try split(targetPath)
        let targetParent = try open(targetParentPath, in: targetRoot, flags: O_RDONLY | O_DIRECTORY)
        defer { targetParent.close() }
        try copier.copy(sourceName, in: sourceParent, to: targetName, in: targetParent)
    }

    /// Opens `path` on the host (`root` nil), or resolved inside a container's root.
    private static func open(_ path: String, in root: FileDescriptor?, flags: Int32) throws(SystemError) -> FileDescriptor {
        guard let root else { return try FileDescriptor.open(path, flags: flags) }
        return try root.openInRoot(path.isEmpty ? "/" : path, flags: flags)
    }

    /// The directory holding `path` and its last name (`.` for a root or an empty path).
    private static func split(_ path: String) throws(SystemError) -> (String, FileName) {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        var parent = "."
        var name = trimmed
        if let slash = trimmed.lastIndex(of: "/") {
            parent = trimmed[..<slash].isEmpty ? "/" : String(trimmed[..<slash])
            name = trimmed[trimmed.index(after: slash)...]
        }
        guard let fileName = FileName(name.isEmpty ? "." : String(name)) else {
            throw SystemError("copy", errno: ENAMETOOLONG, path: path)
        }
        return (parent, fileName)
    }
}

extension ContainerStore.CopyLocation {
    var path: String {
        switch self {
        case .host(let path): path
        case .container(_, let path): path
        }
    }
}
