/// Bounds-checked little-endian reads from an index's bytes: a read outside them yields zero
/// instead of touching memory it must not, so even a file changed after it was checked cannot make
/// the reader crash.
///
/// Immutable view; the owner keeps the memory alive.
struct ByteView: @unchecked Sendable {
    let raw: UnsafeRawBufferPointer

    var count: Int { raw.count }

    func contains(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= raw.count && length <= raw.count - offset
    }

    func u8(_ offset: Int) -> UInt8 {
        contains(offset, 1) ? raw[offset] : 0
    }

    func u16(_ offset: Int) -> UInt16 {
        contains(offset, 2) ? UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) : 0
    }

    func u32(_ offset: Int) -> UInt32 {
        contains(offset, 4) ? UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) : 0
    }

    func u64(_ offset: Int) -> UInt64 {
        contains(offset, 8) ? UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) : 0
    }

    /// The bytes at `offset`, or an empty slice when the range is outside the view.
    func slice(_ offset: Int, _ length: Int) -> UnsafeRawBufferPointer {
        guard contains(offset, length), let base = raw.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }

    func bytes(_ offset: Int, _ length: Int) -> [UInt8] { Array(slice(offset, length)) }
}
