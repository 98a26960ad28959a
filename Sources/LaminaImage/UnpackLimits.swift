/// Bounds on what one layer may claim, so a hostile archive cannot fill the disk or memory.
///
/// Immutable value.
public struct UnpackLimits: Sendable {
    /// The largest single file.
    public var maxEntrySize: Int64
    /// The largest uncompressed layer stream.
    public var maxLayerSize: Int64
    /// The largest JSON blob (manifest, index, config) read into memory.
    public var maxJSONSize: Int64

    public init(maxEntrySize: Int64 = 64 << 30, maxLayerSize: Int64 = 1 << 40, maxJSONSize: Int64 = 16 << 20) {
        self.maxEntrySize = maxEntrySize
        self.maxLayerSize = maxLayerSize
        self.maxJSONSize = maxJSONSize
    }

    public static let standard = UnpackLimits()
}
