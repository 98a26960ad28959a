import LaminaOverlay
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Writes one layer's tar members under a root directory, refusing anything that would land
/// outside it.
///
/// Every path is resolved one component at a time from the root's descriptor with `O_NOFOLLOW`,
/// never by joining strings, so `..`, absolute paths and members reached through a symbolic link
/// are refused by name; hard links must point at an earlier member of the same layer; a name may
/// appear only once. Names are bytes (`FileName`), placed exactly as the archive holds them. OCI
/// whiteouts (`.wh.NAME`, `.wh..wh..opq`) are stored as empty files, the one shape the engine reads
/// them in, whatever type the archive gave them (`OCIWhiteout`); a 0/0 character device (the
/// overlay's whiteout) becomes the `.wh.NAME` it stands for; a `.wh.NAME` too long to be a file
/// name (NAME of 252-255 bytes) becomes the kernel's form of the same whiteout, a 0/0 device named
/// NAME. Extended attributes pass through `LayerAttributePolicy`: no overlay marker an archive
/// carries is ever written.
///
/// Without host root (a plain user's store, or a user namespace) owners are not changed, and
/// device nodes and xattrs the kernel refuses are left out, as containers/storage does for
/// rootless podman. Not thread-safe: one unpacker per layer, owned by one task.
final class LayerUnpacker {
    private let root: FileDescriptor
    private let rootPath: String
    private let limits: UnpackLimits
    private let changeOwners: Bool
    /// Host root: a refused device node or xattr is an error, not a silent omission.
    private let strict: Bool
    /// Kinds of the members placed so far, by normalized path.
    private var placed: [[FileName]: ArchiveEntry.Kind] = [:]
    /// Directory modes and times, applied last so creating children does not disturb them.
    private var directoryFinish: [(components: [FileName], permissions: mode_t, seconds: Int, nanoseconds: Int)] = []
    /// Open descriptors of parent directories already walked, by path.
    private var parents: [[FileName]: FileDescriptor] = [:]
    /// Names at the layer root that belong to the layer's format, not to its tree (eStargz's TOC
    /// and prefetch landmarks).
    var skippedRootNames: Set<FileName> = []

    init(rootPath: String, limits: UnpackLimits) throws(ImageError) {
        do {
            root = try FileDescriptor.open(rootPath, flags: O_RDONLY | O_DIRECTORY)
        } catch {
            throw .system(error)
        }
        self.rootPath = rootPath
        self.limits = limits
        strict = Privilege.current == .hostRoot
        changeOwners = strict
    }

    deinit {
        for descriptor in parents.values { descriptor.close() }
        root.close()
    }

    /// Places every member of `reader`, then gives directories their final modes and times.
    func unpack(_ reader: ArchiveReader) throws(ImageError) {
        while let entry = try reader.nextEntry() {
            try place(entry, from: reader)
        }
        closeParents()
        for directory in directoryFinish.reversed() {
            try finishDirectory(directory.components, directory.permissions, directory.seconds, directory.nanoseconds)
        }
    }

    // MARK: Members

    private func place(_ member: ArchiveEntry, from reader: ArchiveReader) throws(ImageError) {
        if parents.count > 256 { closeParents() }
        var entry = member
        if let (parentComponents, hidden) = try Self.overlongWhiteout(entry) {
            let key = parentComponents + [hidden]
            if placed[key] != nil { throw .unsafeEntry(entry: entry.path, reason: "duplicate entry") }
            let parent = try parentDescriptor(parentComponents, entry: entry.path)
            try Self.system(entry) { () throws(SystemError) in try Whiteout.createDevice(in: parent, for: hidden) }
            placed[key] = .characterDevice
            return
        }
        var components = try Self.components(of: entry.path, entry: entry.path)
        if components.count == 1, skippedRootNames.contains(components[0]) {
            if entry.kind == .regular { try reader.readData { _, _ throws(ImageError) in } }
            return
        }
        switch try OCIWhiteout.role(of: components, entry: entry.path) {
        case .skipped:
            return
        case .marker:
            entry = OCIWhiteout.normalized(entry, path: entry.path)
        case .member:
            if OCIWhiteout.isDeviceWhiteout(entry), let name = components.last, let marker = Whiteout.markerName(for: name) {
                components[components.count - 1] = marker
                entry = OCIWhiteout.normalized(entry, path: ArchivePath(components: components))
            }
        }
        let key = components
        if placed[key] != nil { throw .unsafeEntry(entry: entry.path, reason: "duplicate entry") }
        guard let name = components.last else {
            // The layer root itself ("./"): keep its metadata.
            guard entry.kind == .directory, entry.hardlinkTarget == nil else {
                throw .unsafeEntry(entry: entry.path, reason: "the layer root must be a directory")
            }
            placed[key] = .directory
            try Self.system(entry) { () throws(SystemError) in
                try setOwner(entry: entry, parent: root, name: ".")
                try applyExtendedAttributes(entry, parent: root, name: ".")
            }
            directoryFinish.append(([], entry.permissions, entry.modificationSeconds, entry.modificationNanoseconds))
            return
        }
        let parent = try parentDescriptor(Array(components.dropLast()), entry: entry.path)
        if entry.size > limits.maxEntrySize {
            throw .unsafeEntry(entry: entry.path, reason: "size \(entry.size) exceeds the limit of \(limits.maxEntrySize) bytes")
        }
        if let target = entry.hardlinkTarget {
            try placeHardLink(entry, target: target, parent: parent, name: name)
            placed[key] = .regular
            return
        }
        if entry.kind == .regular {
            try writeFile(entry, from: entry.size == 0 ? nil : reader, parent: parent, name: name)
            placed[key] = entry.kind
            return
        }
        try Self.system(entry) { () throws(SystemError) in
            switch entry.kind {
            case .regular:
                break
            case .directory:
                try makeDirectory(entry, parent: parent, name: name)
                directoryFinish.append((components, entry.permissions, entry.modificationSeconds, entry.modificationNanoseconds))
            case .symbolicLink:
                try parent.makeSymbolicLink(name, target: entry.symlinkTarget?.bytes ?? [])
                try setOwner(entry: entry, parent: parent, name: name)
                try applyExtendedAttributes(entry, parent: parent, name: name)
                try parent.setTimes(of: name, access: entry.modificationTime, modification: entry.modificationTime)
            case .characterDevice, .blockDevice, .fifo, .socket:
                do throws(SystemError) {
                    try parent.makeNode(
                        name, mode: entry.fileTypeBits | 0o600,
                        device: DeviceNumber.make(major: entry.deviceMajor, minor: entry.deviceMinor))
                } catch where error.errno == EPERM && !strict {
                    return  // a device only host root may make; the runtime gives containers their /dev
                }
                try finishNonDirectory(entry, parent: parent, name: name)
            case .unknown:
                throw SystemError("unsupported entry type", errno: EINVAL, path: entry.path.description)
            }
        }
        placed[key] = entry.kind
    }

    /// Writes a regular file; `reader` nil writes it empty (a marker, whatever data it carried).
    private func writeFile(_ entry: ArchiveEntry, from reader: ArchiveReader?, parent: FileDescriptor, name: FileName) throws(ImageError) {
        let file = try Self.system(entry) { () throws(SystemError) in
            try parent.open(name, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
        }
        defer { file.close() }
        try reader?.readData { (block, offset) throws(ImageError) in
            guard offset + Int64(block.count) <= entry.size else {
                throw .unsafeEntry(entry: entry.path, reason: "data runs past the entry's size")
            }
            try Self.system(entry) { () throws(SystemError) in
                try file.write(buffer: block, at: off_t(offset), path: entry.path.description)
            }
        }
        try Self.system(entry) { () throws(SystemError) in
            try file.truncate(to: off_t(entry.size))
            try finishNonDirectory(entry, parent: parent, name: name)
        }
    }

    private func makeDirectory(_ entry: ArchiveEntry, parent: FileDescriptor, name: FileName) throws(SystemError) {
        if let existing = try parent.statusIfPresent(of: name) {
            // Made earlier as the parent of another member; an explicit member is still new.
            guard existing.st_mode & S_IFMT == S_IFDIR else {
                throw SystemError("mkdir", errno: EEXIST, path: entry.path.description)
            }
        } else {
            try parent.makeDirectory(name, mode: 0o700)
        }
        try setOwner(entry: entry, parent: parent, name: name)
        try applyExtendedAttributes(entry, parent: parent, name: name)
    }

    private func placeHardLink(_ entry: ArchiveEntry, target: ArchivePath, parent: FileDescriptor, name: FileName) throws(ImageError) {
        let targetComponents = try Self.components(of: target, entry: entry.path)
        guard let targetName = targetComponents.last, let kind = placed[targetComponents], kind != .directory else {
            throw .unsafeEntry(entry: entry.path, reason: "hard link target '\(target)' is not an earlier file in this layer")
        }
        let targetParent = try parentDescriptor(Array(targetComponents.dropLast()), entry: entry.path)
        try Self.system(entry) { () throws(SystemError) in
            try targetParent.link(targetName, to: parent, name)
        }
    }

    private func finishNonDirectory(_ entry: ArchiveEntry, parent: FileDescriptor, name: FileName) throws(SystemError) {
        try setOwner(entry: entry, parent: parent, name: name)
        try parent.setMode(entry.permissions & 0o7777, of: name)
        try applyExtendedAttributes(entry, parent: parent, name: name)
        try parent.setTimes(of: name, access: entry.modificationTime, modification: entry.modificationTime)
    }

    private func finishDirectory(_ components: [FileName], _ permissions: mode_t, _ seconds: Int, _ nanoseconds: Int) throws(ImageError) {
        let parent = components.isEmpty ? root : try parentDescriptor(Array(components.dropLast()), entry: ArchivePath(components: components))
        let name = components.last ?? "."
        do {
            try parent.setMode(permissions & 0o7777, of: name)
            let time = timespec(tv_sec: seconds, tv_nsec: nanoseconds)
            try parent.setTimes(of: name, access: time, modification: time)
        } catch {
            throw .system(error)
        }
    }

    private func setOwner(entry: ArchiveEntry, parent: FileDescriptor, name: FileName) throws(SystemError) {
        guard changeOwners else { return }
        try parent.setOwner(of: name, uid: entry.uid, gid: entry.gid)
    }

    private func applyExtendedAttributes(_ entry: ArchiveEntry, parent: FileDescriptor, name: FileName) throws(SystemError) {
        for attribute in entry.extendedAttributes where LayerAttributePolicy.applies(attribute.name) {
            do {
                try parent.setExtendedAttribute(attribute.name, value: attribute.value, of: name)
            } catch where !strict && (error.errno == EPERM || error.errno == ENOTSUP) {
                continue  // e.g. security.capability outside a user namespace of our own
            }
        }
    }

    /// Runs system calls for one member, reporting a failure as that member's error.
    private static func system<T>(_ entry: ArchiveEntry, _ body: () throws(SystemError) -> T) throws(ImageError) -> T {
        do {
            return try body()
        } catch {
            if error.errno == EEXIST || error.errno == ENOTEMPTY {
                throw .unsafeEntry(entry: entry.path, reason: "duplicate entry")
            }
            throw .unsafeEntry(entry: entry.path, reason: error.description)
        }
    }

    // MARK: Paths

    private func closeParents() {
        for descriptor in parents.values { descriptor.close() }
        parents.removeAll(keepingCapacity: true)
    }

    /// The names of an archive path from the layer root, refusing absolute paths, `..` and names
    /// of more than 255 bytes.
    static func components(of path: ArchivePath, entry: ArchivePath) throws(ImageError) -> [FileName] {
        try names(path.parts(entry: entry), entry: entry)
    }

    private static func names(_ parts: some Sequence<ArraySlice<UInt8>>, entry: ArchivePath) throws(ImageError) -> [FileName] {
        var result: [FileName] = []
        for part in parts {
            guard let name = FileName(bytes: part) else {
                throw .unsafeEntry(entry: entry, reason: "a name of \(part.count) bytes (at most \(FileName.maximumLength))")
            }
            result.append(name)
        }
        return result
    }

    /// For a whiteout member `.wh.NAME` whose name passes 255 bytes: its directory and NAME.
    private static func overlongWhiteout(_ entry: ArchiveEntry) throws(ImageError) -> ([FileName], FileName)? {
        let parts = try entry.path.parts(entry: entry.path)
        guard let last = parts.last, last.count > FileName.maximumLength, entry.kind == .regular, entry.hardlinkTarget == nil,
              let hidden = Whiteout.hiddenName(ofMemberName: last)
        else { return nil }
        return (try names(parts.dropLast(), entry: entry.path), hidden)
    }

    /// The descriptor of the directory `components` under the root, creating missing directories and
    /// refusing any component that is not a real directory (such as a symbolic link).
    private func parentDescriptor(_ components: [FileName], entry: ArchivePath) throws(ImageError) -> FileDescriptor {
        if components.isEmpty { return root }
        if let cached = parents[components] { return cached }
        let above = try parentDescriptor(Array(components.dropLast()), entry: entry)
        let name = components[components.count - 1]
        let descriptor: FileDescriptor
        do throws(SystemError) {
            do throws(SystemError) {
                descriptor = try above.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            } catch where error.errno == ENOENT {
                try above.makeDirectory(name, mode: 0o755)
                descriptor = try above.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            }
        } catch {
            if error.errno == ELOOP || error.errno == ENOTDIR {
                let path = ArchivePath(components: components)
                throw .unsafeEntry(entry: entry, reason: "'\(path)' is not a directory (a symbolic link or a file)")
            }
            throw .unsafeEntry(entry: entry, reason: error.description)
        }
        parents[components] = descriptor
        return descriptor
    }
}
