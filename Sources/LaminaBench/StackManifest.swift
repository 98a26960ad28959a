/// What a generated stack holds, written beside its layers so workloads can pick their targets
/// without walking a mount first. Paths are relative to the merged root.
public struct StackManifest: Codable, Sendable {
    public var shape: StackShape
    /// Layer directory names under the stack directory, bottom first.
    public var layerDirectories: [String]
    /// Every regular file of `tree/` and `opaque/` visible in the merged view (sorted).
    public var smallFiles: [String]
    /// Files that exist only in the bottom layer, never shadowed or whited out.
    public var bottomFiles: [String]
    /// Leaf directories present in every layer (where negative lookups go).
    public var leafDirectories: [String]
    public var bigFile: String = "big.bin"
    public var bigDirectory: String = "big"
    /// A lower directory tree removed by the remove-tree workload (kept apart from other targets).
    public var removedTree: String = "tree/d00"
    /// A lower directory renamed by the rename-dir workload.
    public var renamedDirectory: String = "tree/d01/d02"
    /// A lower directory the create workload writes into.
    public var createDirectory: String = "tree/d02/d03"
    /// Whiteouts and opaque directories written, to show the stack exercises them.
    public var whiteouts: Int
    public var opaqueDirectories: Int
}
