import LaminaLayerIndex
import LaminaSystem

/// What reading a layer through its index costs, measured on one index file: opening it (map,
/// checksum, every record checked), a lookup of every name in its directory, a lookup of a name no
/// directory has, and listing every directory. Medians over `repetitions`.
///
/// Not thread-safe: one probe at a time.
public struct LayerIndexProbe {
    public struct Figures: Sendable, Codable {
        public var bytes: Int
        public var names: Int
        public var directories: Int
        public var openMicroseconds: Double
        public var hitNanoseconds: Double
        public var missNanoseconds: Double
        public var listingNanosecondsPerEntry: Double
    }

    public let path: String
    public let repetitions: Int

    public init(path: String, repetitions: Int = 11) {
        self.path = path
        self.repetitions = max(1, repetitions)
    }

    public func run() throws -> Figures {
        let index = try LayerIndex(path: path)
        var pairs: [(LayerDirectoryID, FileName)] = []
        var directories: [LayerDirectoryID] = [.root]
        var next = 0
        while next < directories.count {
            for entry in index.entries(of: directories[next]) {
                pairs.append((directories[next], entry.name))
                if let file = entry.file, let child = index.directory(of: file) { directories.append(child) }
            }
            next += 1
        }
        let missing = pairs.map { ($0.0, FileName($0.1.description + "~missing") ?? "missing~") }
        let open = median { _ = try? LayerIndex(path: path) } / 1_000
        var found = 0
        let hits = median { for (directory, name) in pairs where index.lookup(name, in: directory) != nil { found += 1 } }
        let misses = median { for (directory, name) in missing where index.lookup(name, in: directory) != nil { found += 1 } }
        var listed = 0
        let listing = median { for directory in directories { listed += index.entries(of: directory).reduce(0) { $0 + $1.name.count } } }
        let count = Double(max(pairs.count, 1))
        return Figures(
            bytes: index.byteCount, names: pairs.count, directories: directories.count, openMicroseconds: open,
            hitNanoseconds: hits / count, missNanoseconds: misses / count, listingNanosecondsPerEntry: listing / count)
    }

    /// Median nanoseconds of `body` over the repetitions.
    private func median(_ body: () -> Void) -> Double {
        var samples: [Double] = []
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            body()
            let elapsed = ContinuousClock.now - start
            samples.append(Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9)
        }
        return samples.sorted()[samples.count / 2]
    }
}
