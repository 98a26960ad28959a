/// The paths each workload touches on one stack, chosen once per stack from the manifest with the
/// run's seed, so every implementation is asked exactly the same questions.
struct WorkloadTargets: Sendable {
    let bottomFiles: [String]
    let missingNames: [String]
    let smallFiles: [String]
    let unlinkFiles: [String]
    let manifest: StackManifest
    let createCount: Int

    init(manifest: StackManifest, statCount: Int, unlinkCount: Int, createCount: Int, seed: UInt64) {
        var random = SeededGenerator(seed: seed, stream: 0xBE9C)
        self.manifest = manifest
        self.createCount = createCount
        bottomFiles = (0..<statCount).map { _ in
            manifest.bottomFiles[Int(random.next() % UInt64(manifest.bottomFiles.count))]
        }
        missingNames = (0..<statCount).map { number in
            manifest.leafDirectories[Int(random.next() % UInt64(manifest.leafDirectories.count))]
                + "/missing_\(number)_\(random.next() % 1_000_000)"
        }
        smallFiles = manifest.smallFiles
        let protected = [manifest.removedTree + "/", manifest.renamedDirectory + "/", manifest.createDirectory + "/"]
        var candidates = manifest.smallFiles.filter { path in
            path.hasPrefix("tree/") && !protected.contains { path.hasPrefix($0) }
        }
        var chosen: [String] = []
        while chosen.count < unlinkCount && !candidates.isEmpty {
            let index = Int(random.next() % UInt64(candidates.count))
            chosen.append(candidates.remove(at: index))
        }
        unlinkFiles = chosen
    }
}
