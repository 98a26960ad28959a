/// Text for bytes that may not be UTF-8 (a file name, a path, a symlink target), made only where
/// text is needed: messages, and command output such as `lamina diff`'s paths.
///
/// Stateless.
public enum ByteText {
    /// For messages and logs: valid UTF-8 as it is, every other byte as `\xNN`.
    public static func display(_ bytes: some Collection<UInt8>) -> String {
        render(Array(bytes), escapingBackslash: false)
    }

    /// One text per byte string: as `display`, with every backslash written `\\` too, so the name
    /// `a\xFF` (text) and the name `a` + byte 0xFF never come out the same.
    public static func unambiguous(_ bytes: some Collection<UInt8>) -> String {
        render(Array(bytes), escapingBackslash: true)
    }

    private static func render(_ bytes: [UInt8], escapingBackslash: Bool) -> String {
        let backslash = UInt8(ascii: "\\")
        if let text = String(validating: bytes, as: UTF8.self), !(escapingBackslash && bytes.contains(backslash)) {
            return text
        }
        var result = ""
        var index = 0
        while index < bytes.count {
            if escapingBackslash && bytes[index] == backslash {
                result += "\\\\"
                index += 1
                continue
            }
            // The shortest valid UTF-8 character at `index`, else one escaped byte.
            var decoded = false
            for length in 1...4 where index + length <= bytes.count {
                if let text = String(validating: bytes[index..<(index + length)], as: UTF8.self) {
                    result += text
                    index += length
                    decoded = true
                    break
                }
            }
            if decoded { continue }
            let hex = String(bytes[index], radix: 16, uppercase: true)
            result += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            index += 1
        }
        return result
    }
}
