import Glibc
import LaminaSystem

/// Lookups in a directory that has no index yet: each layer is asked for the one name (an fstatat,
/// and one for its `.wh.` whiteout when it is absent), top-down, instead of reading the whole
/// directory in every layer first. Most directories are looked up in a few times and never
/// listed; after `probeLimit` probes the directory is read whole (`Overlay+Index`).
extension Overlay {
    /// Where `name` resolves, for a lookup (`inLower` is not known for an upper file).
    func probe(_ name: FileName, in directory: Node, box: DirectoryBox) throws -> Resolution? {
        let sources = try resolvedSources(of: directory, box: box)
        var found: Resolution?
        if directory.isUpper {
            let attributeWhiteouts = box.state.withLock { $0.upperHoldsAttributeWhiteouts }
            switch try withUpperDirectory(directory, { try LayerDirectory.presence(of: name, in: $0, attributeWhiteouts: attributeWhiteouts) }) {
            case .whiteout:
                return nil
            case .absent:
                break
            case .present(let status):
                found = Resolution(name: name, layer: 0, type: DirectoryRecord.directoryType(of: status.st_mode),
                                   inode: inodes.number(of: status), inLower: false, lowerDirectory: nil, lowerDirectories: [])
                // A lookup needs the lower copies of a directory only (whether a file hides lower
                // ones matters to removals, which use the index).
                if status.st_mode & S_IFMT != S_IFDIR { return found }
            }
        }
        for source in sources {
            switch try source.presence(of: name, stack.cache) {
            case .absent:
                continue
            case .whiteout:
                return found
            case .present(let status):
                let isDirectory = status.st_mode & S_IFMT == S_IFDIR
                guard var resolution = found else {
                    found = Resolution(name: name, layer: source.layer, type: DirectoryRecord.directoryType(of: status.st_mode),
                                       inode: inodes.number(of: status), inLower: true, lowerDirectory: source,
                                       lowerDirectories: isDirectory ? [source.child(name)] : [])
                    if isDirectory { continue }
                    return found
                }
                resolution.inLower = true
                guard resolution.isDirectory && isDirectory else { return resolution }
                if resolution.lowerDirectory == nil { resolution.lowerDirectory = source }
                resolution.lowerDirectories.append(source.child(name))
                found = resolution
            }
        }
        return found
    }
}
