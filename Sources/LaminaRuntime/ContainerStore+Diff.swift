import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ContainerStore {
    /// What the container changed relative to its image, sorted by path. Read from the upper
    /// directory and the image's layers; works whether the container runs or not.
    public func diff(_ text: String) throws(RuntimeError) -> [ContainerChange] {
        let record = try find(text)
        let lower = LowerLayers(directories: record.lowerDirectories)
        var changes: [ContainerChange] = []
        let walk = UpperLayerWalk(root: upperDirectory(record.id), mountTargets: Set(record.mountTargets ?? []), lower: lower)
        try walk.walk { (change) throws(RuntimeError) -> Bool in
            switch change {
            case .whiteout(let path):
                if lower.exists(path) { changes.append(ContainerChange(kind: .deleted, path: "/" + path)) }
            case .entry(let entry):
                let existed = entry.redirect == nil && lower.exists(entry.path)
                changes.append(ContainerChange(kind: existed ? .changed : .added, path: "/" + entry.path))
                if let redirect = entry.redirect, lower.exists(String(redirect.dropFirst())),
                   !changes.contains(where: { $0.path == redirect }) {
                    changes.append(ContainerChange(kind: .deleted, path: redirect))
                }
                if entry.opaque && existed {
                    let kept = Self.names(of: entry)
                    for name in lower.names(in: entry.path) where !kept.contains(name) {
                        changes.append(ContainerChange(kind: .deleted, path: "/" + entry.path + "/" + name))
                    }
                }
            }
            return true
        }
        var seen: Set<String> = []
        return changes.sorted { $0.path < $1.path }.filter { seen.insert($0.path).inserted }
    }

    /// The names an upper directory holds (markers included: they name deleted entries anyway).
    private static func names(of entry: UpperLayerWalk.Entry) -> Set<String> {
        guard let directory = try? entry.parent.open(entry.name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW) else { return [] }
        defer { directory.close() }
        return Set(((try? directory.directoryRecords()) ?? []).map(\.name.description))
    }
}
