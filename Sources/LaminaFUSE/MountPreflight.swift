import Glibc
import LaminaLayerIndex
import LaminaOverlay
import LaminaSystem

/// The checks made before anything is mounted or written, shared by `lamina mount` and
/// `lamina-overlayfs`: every layer exists and is a directory, upper and work are separate
/// directories on one file system, the work directory is free (empty of anything but leftovers we
/// know, and not locked by a live mount), the mount point is a directory that is not already a
/// mount point, and /dev/fuse exists.
///
/// Stateless namespace; `check` returns the request with canonical absolute paths (so the daemon
/// can leave its starting directory) and the work directory lock it must hold while mounted.
public enum MountPreflight {
    /// The names a work directory may hold when a mount starts: the engine's own temporary entries
    /// (`#lamina.*`, left by an interrupted copy-up of an earlier mount and removed by the engine when
    /// it opens the stack) and the `work`/`index` directories kernel overlayfs and fuse-overlayfs
    /// leave, which must be empty.
    public static let stagingNamePrefix = "#lamina."
    static let emptyLeftovers: Set<String> = ["work", "index"]

    /// A request that passed every check.
    public struct Prepared: Sendable {
        public var options: MountOptions
        /// Held until the daemon exits; nil on a read-only mount.
        public var workLock: WorkDirectoryLock?
    }

    public static func check(
        _ request: MountOptions, fuseDevice: String = "/dev/fuse", privilege: Privilege = .current,
        fuseConfiguration: @autoclosure () -> FUSEConfiguration = .read()
    ) throws(MountError) -> Prepared {
        var options = request
        try checkFuseDevice(fuseDevice)
        options.mountsAsUser = privilege == .user
        if privilege == .user && options.allowOther != false {
            let allowed = fuseConfiguration().userAllowOther
            if options.allowOther == true && !allowed {
                throw MountError(.system, "allow_other is only allowed for a plain user when \(FUSEConfiguration.path) has a line 'user_allow_other'", errno: EPERM)
            }
            options.allowOther = allowed
        } else if options.allowOther == nil {
            options.allowOther = true
        }
        options.mountPoint = try mountPoint(options.mountPoint)
        options.lowerDirectories = try options.lowerDirectories.map { (path) throws(MountError) in
            try directory(path, role: "lower directory").path
        }
        if !options.lowerIndexPaths.isEmpty {
            // `lamina mount IMAGE -o lowerindex=...`: the image's layers already come with theirs
            // (and lazy ones with their content); replacing them would read the wrong files.
            guard options.lowerLayers == nil else {
                throw MountError(.usage, "lowerindex= applies to lowerdir= directories; an image's layers come with their own indexes")
            }
            options.lowerLayers = LowerLayerList(try indexedLayers(options.lowerDirectories, options.lowerIndexPaths))
        }
        guard !options.isReadOnly, let upper = options.upperDirectory, let work = options.workDirectory else {
            return Prepared(options: options, workLock: nil)
        }
        let (upperPath, upperStatus) = try directory(upper, role: "upper directory")
        let (workPath, workStatus) = try directory(work, role: "work directory")
        options.upperDirectory = upperPath
        options.workDirectory = workPath
        guard upperStatus.st_dev == workStatus.st_dev else {
            throw MountError(.invalidPath, "upper directory \(upperPath) and work directory \(workPath) are on different file systems")
        }
        if upperPath == workPath || isInside(upperPath, workPath) || isInside(workPath, upperPath) {
            throw MountError(.invalidPath, "upper directory \(upperPath) and work directory \(workPath) must be separate directories, neither inside the other")
        }
        let lock = try WorkDirectoryLock(path: workPath)
        try checkWorkDirectoryIsFree(workPath)
        if options.markerNamespace == nil {
            options.markerNamespace = try MarkerNamespaceProbe.namespace(workDirectory: workPath)
        }
        return Prepared(options: options, workLock: lock)
    }

    /// The lower directories read through the index files `lowerindex=` names (one per directory;
    /// an empty path: none). Each index is mapped and checked whole (`LayerIndex`), so a damaged
    /// or foreign file is refused here rather than read while mounted.
    static func indexedLayers(_ directories: [String], _ indexPaths: [String]) throws(MountError) -> [LowerLayer] {
        guard indexPaths.count == directories.count else {
            throw MountError(.usage, "lowerindex= names \(indexPaths.count) index files for \(directories.count) lower directories")
        }
        var layers: [LowerLayer] = []
        for (directory, path) in zip(directories, indexPaths) {
            guard !path.isEmpty else {
                layers.append(.directory(directory))
                continue
            }
            do {
                layers.append(LowerLayer(directory: directory, index: try LayerIndex(path: path)))
            } catch {
                throw MountError(.invalidPath, "layer index \(path) (for \(directory)): \(error)")
            }
        }
        return layers
    }

    static func checkFuseDevice(_ path: String) throws(MountError) {
        let status: stat?
        do {
            status = try MountCalls.status(path)
        } catch {
            throw MountError(.system, "cannot use \(path): \(String(cString: strerror(error.errno)))", errno: error.errno)
        }
        guard let status, status.st_mode & S_IFMT == S_IFCHR else {
            throw MountError(.system, "\(path) is missing: FUSE is not available (load the fuse module)", errno: ENODEV)
        }
        guard MountCalls.isReadableAndWritable(path) else {
            throw MountError(.system, "cannot open \(path): permission denied", errno: EACCES)
        }
    }

    /// The mount point as an absolute path; `/dev/fd/N` (a descriptor mount.fuse3 opened) as given.
    static func mountPoint(_ path: String) throws(MountError) -> String {
        if path.hasPrefix("/dev/fd/") { return path }
        let (canonical, _) = try directory(path, role: "mount point")
        let table: MountTable
        do {
            table = try MountTable.current()
        } catch {
            throw MountError(.system, "cannot read /proc/self/mountinfo: \(String(cString: strerror(error.errno)))", errno: error.errno)
        }
        if let existing = table.mount(at: canonical) {
            throw MountError(.busy, "mount point \(canonical) is busy: \(existing.source) (\(existing.type)) is already mounted there", errno: EBUSY)
        }
        return canonical
    }

    static func directory(_ path: String, role: String) throws(MountError) -> (path: String, status: stat) {
        guard !path.isEmpty else { throw MountError(.usage, "empty \(role) path") }
        do {
            let canonical = try MountCalls.canonicalPath(path)
            guard let status = try MountCalls.status(canonical) else {
                throw MountError.path(role, path, SystemError("stat", errno: ENOENT))
            }
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw MountError.path(role, path, SystemError("stat", errno: ENOTDIR))
            }
            return (canonical, status)
        } catch let error as MountError {
            throw error
        } catch let error as SystemError {
            throw MountError.path(role, path, error)
        } catch {
            throw MountError(.invalidPath, "\(role) \(path): \(error)")
        }
    }

    static func checkWorkDirectoryIsFree(_ work: String) throws(MountError) {
        do {
            for name in try MountCalls.directoryNames(work) where !name.hasPrefix(stagingNamePrefix) {
                let path = work + "/" + name
                var isEmptyLeftover = false
                if emptyLeftovers.contains(name), let status = try MountCalls.status(path), status.st_mode & S_IFMT == S_IFDIR {
                    isEmptyLeftover = try MountCalls.directoryNames(path).isEmpty
                }
                guard isEmptyLeftover else {
                    throw MountError(.invalidPath, "work directory \(work) is not empty (it holds \(name)); use an empty directory")
                }
            }
        } catch let error as MountError {
            throw error
        } catch let error as SystemError {
            throw MountError.path("work directory", work, error)
        } catch {
            throw MountError(.invalidPath, "work directory \(work): \(error)")
        }
    }

    private static func isInside(_ path: String, _ directory: String) -> Bool {
        path.hasPrefix(directory == "/" ? "/" : directory + "/")
    }
}
