import Glibc
import LaminaSystem

/// Relative paths of a `TreeSnapshot` as text that keeps every byte of every name: printable ASCII
/// stays as it is, `\` becomes `\\`, every other byte `\xNN`. A Swift `String` would repair bytes
/// that are not UTF-8 and compare NFC `café` equal to NFD `café`; the escaped forms of two different
/// names are always two different ASCII strings, so snapshots keyed by them tell such names apart,
/// and difference messages show which bytes a name has.
enum PathText {
    /// One name, escaped.
    static func escape(_ name: FileName) -> String { escape(bytes: name.bytes) }

    static func escape(bytes: [UInt8]) -> String {
        var text = ""
        text.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte == UInt8(ascii: "\\") {
                text += "\\\\"
            } else if byte >= 0x20, byte < 0x7F {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return text
    }

    /// The bytes an escaped text stands for (the inverse of `escape`).
    static func unescape(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "\\"), iterator.first == UInt8(ascii: "\\") {
                bytes.append(byte)
                iterator = iterator.dropFirst()
            } else if byte == UInt8(ascii: "\\"), iterator.first == UInt8(ascii: "x"), iterator.count >= 3,
               let value = UInt8(String(decoding: iterator.dropFirst().prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                iterator = iterator.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return bytes
    }

    /// The names of an escaped relative path ("." is the root: no names).
    static func components(_ path: String) throws -> [FileName] {
        guard path != "." else { return [] }
        return try path.split(separator: "/").map { part in
            guard let name = FileName(bytes: unescape(String(part))) else { throw HarnessError("not a path: \(path)") }
            return name
        }
    }

    /// The directory `components` name under `root`, opened one name at a time with openat, so a
    /// path longer than PATH_MAX opens as well as a short one. The caller closes it.
    static func openDirectory(_ root: String, _ components: some Sequence<FileName>) throws -> FileDescriptor {
        var current = try FileDescriptor.open(root, flags: O_RDONLY | O_DIRECTORY)
        for name in components {
            let next: FileDescriptor
            do { next = try current.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW) } catch {
                current.close()
                throw error
            }
            current.close()
            current = next
        }
        return current
    }
}
