import Foundation

/// Builds tar bytes by hand, for headers libarchive's writer would refuse to produce
/// (a size no real file has).
enum RawTar {
    /// A ustar header for a regular file named `name` claiming `size` bytes (base-256 encoded
    /// when it does not fit in octal), followed by no data and the end-of-archive blocks.
    static func claimingSize(name: String, size: UInt64) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) {
            for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte }
        }
        put(name, at: 0)
        put("0000644\0", at: 100)
        put("0000000\0", at: 108)
        put("0000000\0", at: 116)
        header[124] = 0x80
        for index in 0..<8 { header[135 - index] = UInt8((size >> (8 * UInt64(index))) & 0xff) }
        put("00000000000\0", at: 136)
        header[156] = UInt8(ascii: "0")
        put("ustar\0", at: 257)
        put("00", at: 263)
        put("        ", at: 148)
        let sum = header.reduce(0) { $0 + Int($1) }
        put(String(format: "%06o\0 ", sum), at: 148)
        return header + [UInt8](repeating: 0, count: 1024)
    }
}
