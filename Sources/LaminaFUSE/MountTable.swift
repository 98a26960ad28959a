import LaminaSystem

/// The mount points the kernel lists in /proc/self/mountinfo, to refuse mounting on a path that is
/// already a mount point and to tell `lamina unmount` what is mounted where.
///
/// Immutable value read once per question.
public struct MountTable: Sendable {
    /// One line of mountinfo: where, what type (`fuse.lamina`), and from what source.
    public struct Mount: Sendable, Equatable {
        public var mountPoint: String
        public var type: String
        public var source: String
    }

    public let mounts: [Mount]

    public init(mounts: [Mount]) {
        self.mounts = mounts
    }

    /// Reads /proc/self/mountinfo.
    public static func current() throws(SystemError) -> MountTable {
        let bytes = try MountCalls.readFile("/proc/self/mountinfo")
        return MountTable(parsing: String(decoding: bytes, as: UTF8.self))
    }

    /// Parses mountinfo text (proc(5)): field 5 is the mount point; after the " - " separator come
    /// the type and the source. Spaces and other bytes are octal escapes (`\040`).
    public init(parsing text: String) {
        var mounts: [Mount] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count >= 5, let separator = fields.firstIndex(of: "-"), separator + 2 < fields.count else { continue }
            mounts.append(Mount(
                mountPoint: Self.unescaped(fields[4]),
                type: Self.unescaped(fields[separator + 1]),
                source: Self.unescaped(fields[separator + 2])))
        }
        self.mounts = mounts
    }

    /// The last (top-most) mount at `path`, if `path` is a mount point.
    public func mount(at path: String) -> Mount? {
        mounts.last { $0.mountPoint == path }
    }

    static func unescaped(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
               let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
