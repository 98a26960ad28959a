/// The regular files of the merged view while a stack is generated bottom-up, with O(1) random
/// choice and removal, so upper layers can shadow and white out files that really are visible.
/// A value type used by one generator.
struct VisibleFiles {
    private(set) var paths: [String] = []
    private var positions: [String: Int] = [:]

    var count: Int { paths.count }

    func contains(_ path: String) -> Bool { positions[path] != nil }

    mutating func insert(_ path: String) {
        guard positions[path] == nil else { return }
        positions[path] = paths.count
        paths.append(path)
    }

    mutating func remove(_ path: String) {
        guard let position = positions.removeValue(forKey: path) else { return }
        let last = paths.removeLast()
        if position < paths.count {
            paths[position] = last
            positions[last] = position
        }
    }

    mutating func removeAll(under directory: String) {
        let prefix = directory + "/"
        for path in paths where path.hasPrefix(prefix) { remove(path) }
    }

    /// A random visible path that `eligible` accepts, or nil after a bounded number of tries.
    func randomElement(using generator: inout SeededGenerator, where eligible: (String) -> Bool) -> String? {
        guard !paths.isEmpty else { return nil }
        for _ in 0..<32 {
            let path = paths[Int(generator.next() % UInt64(paths.count))]
            if eligible(path) { return path }
        }
        return nil
    }
}
