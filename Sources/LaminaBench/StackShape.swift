/// The parameters that define a generated layer stack; two runs with one shape and seed get
/// byte-identical stacks, which is what lets a stack be cached between runs.
public struct StackShape: Codable, Sendable, Hashable {
    /// Number of layers (the bottom one holds the big file and the bottom-only files).
    public var layers: Int
    /// Entries each layer adds to the shared `tree/` (files, shadowing files, whiteouts, symlinks).
    public var filesPerLayer: Int
    /// `tree/` has `fanout` directories of `fanout` leaf directories, present in every layer.
    public var fanout: Int
    /// Entries of `big/`, spread evenly over every layer.
    public var bigDirectoryEntries: Int
    /// Size of `big.bin` in the bottom layer.
    public var bigFileBytes: Int
    public var seed: UInt64

    public init(layers: Int, filesPerLayer: Int, fanout: Int = 10, bigDirectoryEntries: Int,
                bigFileBytes: Int, seed: UInt64) {
        self.layers = layers
        self.filesPerLayer = filesPerLayer
        self.fanout = fanout
        self.bigDirectoryEntries = bigDirectoryEntries
        self.bigFileBytes = bigFileBytes
        self.seed = seed
    }

    /// Bumped whenever the generator's output for a shape changes, so stale caches are not reused.
    static let generatorVersion = 1

    /// The cache directory name of this shape.
    public var cacheName: String {
        "stack-v\(Self.generatorVersion)-s\(seed)-l\(layers)-f\(filesPerLayer)-d\(fanout)"
            + "-e\(bigDirectoryEntries)-b\(bigFileBytes)"
    }

    /// Entries of `big/` that layer `index` (0 = bottom) holds.
    func bigDirectoryEntries(inLayer index: Int) -> Int {
        bigDirectoryEntries / layers + (index < bigDirectoryEntries % layers ? 1 : 0)
    }

    /// Leaf directory `(a, b)` of the shared tree.
    static func leaf(_ a: Int, _ b: Int) -> String {
        "tree/d\(twoDigits(a))/d\(twoDigits(b))"
    }

    static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
