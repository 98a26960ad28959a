/// `FileName` from a raw buffer, without generics: a caller in another module (a layer index
/// reading names out of a mapping) otherwise reaches the generic `init(bytes:)` unspecialised and
/// spends more time in Swift's generic metadata lookups than in the work (docs/performance.md,
/// "Lazy pulling": listing a layer index).
extension FileName {
    /// A name from the bytes of `buffer`; nil when they cannot be a name.
    public init?(bytes buffer: UnsafeRawBufferPointer) {
        guard !buffer.isEmpty, buffer.count <= Self.maximumLength,
              !buffer.contains(0), !buffer.contains(UInt8(ascii: "/"))
        else { return nil }
        self.init(trusted: buffer)
    }
}
