/// Where a lazy layer's blob bytes come from: the registry (by range), or a local file (a blob
/// already in the store, or one `lamina image convert` is writing).
///
/// Implementations say what protects their state; every one may be called from several threads.
public protocol BlobReader: Sendable {
    /// The bytes of `range` of the blob, exactly `range.count` of them.
    func read(_ range: Range<UInt64>) throws(LazyError) -> [UInt8]
}
