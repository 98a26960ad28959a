import Foundation
import Glibc
import LaminaSystem

/// Everything the harness knows about one entry of a tree, read from the outside with lstat,
/// readlink, read and the xattr calls. Which fields matter depends on the comparison
/// (`ComparisonPolicy`): a merged view and an upper layer are compared on what a user can see,
/// a lower layer on everything, down to its inode and ctime.
struct EntryRecord: Equatable, Sendable {
    enum Kind: String, Sendable {
        case regular = "file", directory, symlink, characterDevice = "char device", blockDevice = "block device"
        case fifo, socket, unknown
    }

    var kind: Kind = .unknown
    var permissions: UInt32 = 0
    var owner: UInt32 = 0
    var group: UInt32 = 0
    var size: Int64 = 0
    var linkCount: UInt64 = 0
    var content: Content?
    var linkTarget: [UInt8]?
    var device: MajorMinor?
    var extendedAttributes: [String: [UInt8]] = [:]
    var modified = Timestamp(seconds: 0, nanoseconds: 0)
    var changed = Timestamp(seconds: 0, nanoseconds: 0)
    var inode: UInt64 = 0
    var fileSystem: UInt64 = 0
    /// What could not be read (lstat, readdir, read, xattrs), as the calls reported it.
    var problems: [String] = []

    /// A 0/0 character device: how the kernel writes (and reads) a whiteout.
    var isWhiteoutDevice: Bool { kind == .characterDevice && device == MajorMinor(major: 0, minor: 0) }
}

struct Timestamp: Equatable, Comparable, Sendable, CustomStringConvertible {
    var seconds: Int
    var nanoseconds: Int

    static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    var description: String { "\(seconds).\(String(nanoseconds + 1_000_000_000).dropFirst())" }
}

/// A device node's major and minor numbers.
struct MajorMinor: Equatable, Sendable, CustomStringConvertible {
    var major: UInt32
    var minor: UInt32

    init(_ device: dev_t) {
        major = DeviceNumber.major(device)
        minor = DeviceNumber.minor(device)
    }

    init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    var description: String { "\(major)/\(minor)" }
}

/// A regular file's bytes, summarised: the size, a 64-bit hash (FNV-1a over 8-byte words, then
/// the last bytes one by one) and the first bytes (shown in difference messages). Built a chunk at
/// a time (`Hasher`), so a file of hundreds of MiB is never held whole.
struct Content: Equatable, Sendable, CustomStringConvertible {
    var hash: UInt64
    var count: Int
    var prefix: [UInt8]

    init(_ bytes: [UInt8]) {
        var hasher = Hasher()
        hasher.update(bytes)
        self = hasher.content
    }

    private init(hash: UInt64, count: Int, prefix: [UInt8]) {
        self.hash = hash
        self.count = count
        self.prefix = prefix
    }

    /// Consumes a file's bytes in order, in chunks of any size.
    struct Hasher {
        private var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        private var count = 0
        private var prefix: [UInt8] = []
        /// Bytes not yet making a whole word.
        private var pending: [UInt8] = []

        mutating func update(_ chunk: [UInt8]) {
            if prefix.count < 40 { prefix += chunk.prefix(40 - prefix.count) }
            count += chunk.count
            let bytes = pending.isEmpty ? chunk : pending + chunk
            let whole = bytes.count / 8 * 8
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < whole {
                    hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x100_0000_01b3
                    offset += 8
                }
            }
            pending = Array(bytes[whole...])
        }

        var content: Content {
            var result = hash
            for byte in pending { result = (result ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return Content(hash: result, count: count, prefix: prefix)
        }
    }

    var description: String {
        let text = String(decoding: prefix, as: UTF8.self).replacingOccurrences(of: "\n", with: "\\n")
        return "\(count) bytes \"\(text)\(count > prefix.count ? "..." : "")\""
    }
}

extension EntryRecord {
    /// One line for difference messages: "file 0644 0:0 12 bytes".
    var summary: String {
        var text = "\(kind.rawValue) \(String(permissions, radix: 8)) \(owner):\(group)"
        if let content { text += " \(content)" }
        if let linkTarget { text += " -> \(PathText.escape(bytes: linkTarget))" }
        if let device { text += " \(device)" }
        if !problems.isEmpty { text += " [\(problems.joined(separator: "; "))]" }
        return text
    }
}
