import LaminaSystem

/// A member's path, or a link's target, exactly as a tar header holds it: bytes, in no particular
/// encoding.
///
/// libarchive hands these over unconverted: in the C locale Lamina runs in it copies bytes, and a
/// path it cannot write as UTF-8 goes into a pax header marked `hdrcharset=BINARY`, so any name the
/// kernel accepts reads back as the same bytes. Text is made from a path only for messages.
///
/// Immutable value.
package struct ArchivePath: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringInterpolation {
    package var bytes: [UInt8]

    package init(bytes: some Sequence<UInt8>) {
        self.bytes = Array(bytes)
    }

    /// The UTF-8 bytes of `text` (names written in the source: `index.json`, `blobs/sha256/...`).
    package init(_ text: String) {
        bytes = Array(text.utf8)
    }

    package init(stringLiteral value: String) {
        self.init(value)
    }

    package init(stringInterpolation: DefaultStringInterpolation) {
        self.init(String(stringInterpolation: stringInterpolation))
    }

    /// `a/b/c` for the names `a`, `b`, `c` from the layer root.
    package init(components: [FileName]) {
        var bytes: [UInt8] = []
        for (index, name) in components.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "/")) }
            bytes += name.bytes
        }
        self.bytes = bytes
    }

    package var description: String { ByteText.display(bytes) }

    /// The path's parts from the archive root, empty and `.` parts dropped; an absolute path and
    /// `..` are refused (reported as the member `entry`'s).
    package func parts(entry: ArchivePath) throws(ImageError) -> [ArraySlice<UInt8>] {
        let slash = UInt8(ascii: "/")
        let dot = UInt8(ascii: ".")
        if bytes.first == slash { throw .unsafeEntry(entry: entry, reason: "absolute path") }
        var result: [ArraySlice<UInt8>] = []
        for part in bytes.split(separator: slash, omittingEmptySubsequences: true) {
            if part.elementsEqual([dot]) { continue }
            if part.elementsEqual([dot, dot]) { throw .unsafeEntry(entry: entry, reason: "path leaves the layer ('..')") }
            result.append(part)
        }
        return result
    }

    /// Runs `body` with the path as a NUL-terminated C string (for libarchive's setters).
    package func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }
}

extension ImageError {
    /// A refused archive member, named by its path (as text for the message).
    static func unsafeEntry(entry: ArchivePath, reason: String) -> ImageError {
        .unsafeEntry(entry: entry.description, reason: reason)
    }
}
