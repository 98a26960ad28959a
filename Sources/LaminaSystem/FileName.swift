#if canImport(Glibc)
import Glibc
#endif

/// One component of a Linux path, exactly as the kernel has it: 1 to 255 bytes, none of them `/`
/// or NUL, in no particular encoding.
///
/// A Swift `String` cannot be a file name: it repairs bytes that are not UTF-8 (two different names
/// decode to one) and compares by Unicode canonical equivalence (NFC `café` equals NFD `café`).
/// `FileName` compares, hashes and orders by bytes, and reaches the syscalls unchanged.
///
/// Names of up to 15 bytes (almost all of them) are stored inline, without a heap allocation, so a
/// name costs no more than a small `String` in the engine's tables.
///
/// Thread safety: an immutable value.
public struct FileName: Hashable, Sendable, Comparable {
    /// Up to 15 bytes in two words (byte i of the name is byte i of `low`/`high` in little-endian
    /// order) with the count in the top byte of `high`; longer names on the heap. Each length has
    /// exactly one representation, so the synthesised `==` and `hash(into:)` compare bytes.
    @usableFromInline
    enum Storage: Hashable, Sendable {
        case small(low: UInt64, high: UInt64)
        case large([UInt8])
    }

    @usableFromInline
    let storage: Storage

    /// The longest name Linux accepts (NAME_MAX).
    public static let maximumLength = 255

    /// A name from raw bytes; nil when they cannot be a name (empty, longer than 255 bytes, or
    /// holding `/` or NUL).
    public init?(bytes: some Collection<UInt8>) {
        guard !bytes.isEmpty, bytes.count <= Self.maximumLength,
              !bytes.contains(where: { $0 == 0 || $0 == UInt8(ascii: "/") })
        else { return nil }
        self.init(trusted: bytes)
    }

    /// A name from bytes already known to be one (a directory entry the kernel returned).
    init(trusted bytes: some Collection<UInt8>) {
        let count = bytes.count
        if count <= 15 {
            var low: UInt64 = 0
            var high: UInt64 = UInt64(count) << 56
            for (index, byte) in bytes.enumerated() {
                if index < 8 { low |= UInt64(byte) << (8 * UInt64(index)) } else { high |= UInt64(byte) << (8 * UInt64(index - 8)) }
            }
            storage = .small(low: low, high: high)
        } else {
            storage = .large(Array(bytes))
        }
    }

    /// A name from the bytes of a NUL-terminated C string; nil when they cannot be a name.
    public init?(cString: UnsafePointer<CChar>) {
        let length = strlen(cString)
        guard length > 0, length <= Self.maximumLength else { return nil }
        let bytes = UnsafeRawBufferPointer(start: cString, count: length)
        guard !bytes.contains(UInt8(ascii: "/")) else { return nil }
        self.init(trusted: bytes)
    }

    /// The UTF-8 bytes of `string` as a name; nil when they cannot be one.
    public init?(_ string: String) {
        self.init(bytes: Array(string.utf8))
    }

    /// The name's bytes, validated: throws EINVAL for an empty name or one holding `/` or NUL, and
    /// ENAMETOOLONG past 255 bytes (what the kernel answers).
    public init(validating bytes: [UInt8], operation: String = "name") throws(SystemError) {
        if bytes.count > Self.maximumLength { throw SystemError(operation, errno: ENAMETOOLONG) }
        guard let name = FileName(bytes: bytes) else { throw SystemError(operation, errno: EINVAL) }
        self = name
    }

    /// Number of bytes.
    @inlinable
    public var count: Int {
        switch storage {
        case .small(_, let high): Int(high >> 56)
        case .large(let bytes): bytes.count
        }
    }

    /// The name's bytes.
    public var bytes: [UInt8] {
        switch storage {
        case .small(let low, let high):
            let count = Int(high >> 56)
            var result: [UInt8] = []
            result.reserveCapacity(count)
            for index in 0..<count {
                let word = index < 8 ? low : high
                let shift = UInt64(8 * (index % 8))
                result.append(UInt8(truncatingIfNeeded: word >> shift))
            }
            return result
        case .large(let bytes):
            return bytes
        }
    }

    /// Runs `body` with the name's bytes.
    @inlinable
    public func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        switch storage {
        case .small(var low, var high):
            let count = Int(high >> 56)
            low = low.littleEndian
            high = high.littleEndian
            let words = (low, high)
            let result: Result<R, E> = withUnsafeBytes(of: words) { raw in
                Result { () throws(E) -> R in try body(UnsafeRawBufferPointer(rebasing: raw[0..<count])) }
            }
            return try result.get()
        case .large(let bytes):
            let result: Result<R, E> = bytes.withUnsafeBytes { raw in Result { () throws(E) -> R in try body(raw) } }
            return try result.get()
        }
    }

    /// Runs `body` with the name as a NUL-terminated C string (for the `*at` syscalls).
    @inlinable
    public func withCString<R, E: Error>(_ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        switch storage {
        case .small(var low, var high):
            // The count byte sits after byte 14 at most: clear it, and the zero bytes that follow
            // the name terminate it.
            high &= (1 << 56) - 1
            low = low.littleEndian
            high = high.littleEndian
            let words = (low, high, UInt64(0))
            let result: Result<R, E> = withUnsafeBytes(of: words) { raw in
                Result { () throws(E) -> R in try body(raw.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            }
            return try result.get()
        case .large(let bytes):
            var terminated = bytes
            terminated.append(0)
            let result: Result<R, E> = terminated.withUnsafeBytes { raw in
                Result { () throws(E) -> R in try body(raw.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            }
            return try result.get()
        }
    }

    /// True when the name starts with the bytes of `prefix` (a byte comparison, never Unicode).
    @inlinable
    public func hasPrefix(_ prefix: FileName) -> Bool {
        let count = prefix.count
        guard count <= self.count else { return false }
        return withBytes { mine in prefix.withBytes { theirs in mine.prefix(count).elementsEqual(theirs) } }
    }

    /// The name without its first `count` bytes; nil when nothing (or not a name) would be left.
    public func droppingPrefix(_ count: Int) -> FileName? {
        withBytes { FileName(bytes: $0.dropFirst(count)) }
    }

    /// The name with `prefix` in front (`.wh.` + name); nil past 255 bytes.
    public func prefixed(with prefix: FileName) -> FileName? {
        FileName(bytes: prefix.bytes + bytes)
    }

    /// "." and "..": entries of every directory, never names of the merged view.
    @inlinable
    public var isDotOrDotDot: Bool {
        switch storage {
        case .small(let low, let high):
            let count = high >> 56
            return (count == 1 && low == 0x2E) || (count == 2 && low == 0x2E2E)
        case .large:
            return false
        }
    }

    /// The name as text when it is valid UTF-8 (exactly those bytes), else nil.
    public var string: String? {
        withBytes { String(validating: $0, as: UTF8.self) }
    }

    @inlinable
    public static func < (left: FileName, right: FileName) -> Bool {
        left.withBytes { a in right.withBytes { b in a.lexicographicallyPrecedes(b) } }
    }
}

extension FileName: ExpressibleByStringLiteral {
    /// A name written in the source (a marker such as `.wh..wh..opq`, or a test's name). Literals are
    /// the program's own text, so an invalid one is a programming error.
    public init(stringLiteral value: String) {
        guard let name = FileName(value) else { preconditionFailure("not a file name: \(value.debugDescription)") }
        self = name
    }
}

extension FileName: CustomStringConvertible, CustomDebugStringConvertible {
    /// The name for messages and logs: its text where it is UTF-8, with every other byte as `\xNN`.
    public var description: String {
        if let text = string { return text }
        return withBytes { ByteText.display($0) }
    }

    public var debugDescription: String { "FileName(\(description.debugDescription))" }
}
