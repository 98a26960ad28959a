/// The two hash functions of the index format: the name hash that places a name in its directory's
/// table, and the checksum of the whole file. Both are part of the on-disk format.
///
/// Namespace of pure functions; no state.
enum IndexHashing {
    /// FNV-1a (64-bit) of the name's bytes, folded to 32 bits.
    static func nameHash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
    }

    /// A 64-bit checksum of `bytes`, read as little-endian 8-byte words (the tail zero-padded), with
    /// the 8 bytes at `skip` (the checksum field itself) read as zero. Catches torn and flipped
    /// bytes; offsets are still checked one by one, so a forged checksum cannot cause a crash.
    static func checksum(_ bytes: UnsafeRawBufferPointer, skipping skip: Int) -> UInt64 {
        var hash: UInt64 = 0x9e37_79b9_7f4a_7c15 ^ UInt64(bytes.count)
        let words = bytes.count / 8
        for index in 0..<words {
            let offset = index * 8
            var word = offset == skip ? 0 : UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            word &*= 0x87c3_7b91_1142_53d5
            word = (word << 31) | (word >> 33)
            word &*= 0x4cf5_ad43_2745_937f
            hash ^= word
            hash = ((hash << 27) | (hash >> 37)) &* 5 &+ 0x52dc_e729
        }
        var tail: UInt64 = 0
        for index in (words * 8)..<bytes.count {
            tail |= UInt64(bytes[index]) << UInt64(8 * (index - words * 8))
        }
        hash ^= tail &* 0x87c3_7b91_1142_53d5
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return hash
    }
}
