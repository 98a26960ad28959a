import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ContainerStore {
    /// What the container changed relative to its image, sorted by path (bytes). Read from the
    /// upper directory and the image's layers; works whether the container runs or not.
    public func diff(_ text: String) throws(RuntimeError) -> [ContainerChange] {
        let record = try find(text)
        let lower = try lowerView(of: record)
        // Keyed by names, not text: a Swift String would take NFC and NFD spellings for one path.
        var changes: [[FileName]: ContainerChange.Kind] = [:]
        func note(_ kind: ContainerChange.Kind, _ path: [FileName]) {
            if changes[path] == nil { changes[path] = kind }
        }
        let walk = UpperLayerWalk(root: upperDirectory(record.id), mountTargets: record.mountTargets ?? [], lower: lower)
        try walk.walk { (change) throws(RuntimeError) -> Bool in
            switch change {
            case .whiteout(let path):
                if try lower.exists(path) { note(.deleted, path) }
            case .entry(let entry):
                let existed = entry.redirect == nil ? try lower.exists(entry.path) : false
                note(existed ? .changed : .added, entry.path)
                if let redirect = entry.redirect, try lower.exists(redirect) { note(.deleted, redirect) }
                if entry.opaque && existed {
                    let kept = Set(entry.listing?.records.map(\.name) ?? [])
                    for name in try lower.names(in: entry.path) where !kept.contains(name) {
                        note(.deleted, entry.path + [name])
                    }
                }
            }
            return true
        }
        return changes.sorted { $0.key.lexicographicallyPrecedes($1.key) }
            .map { ContainerChange(kind: $0.value, components: $0.key) }
    }
}
