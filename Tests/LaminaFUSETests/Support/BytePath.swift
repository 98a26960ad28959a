import LaminaSystem

/// A relative path of one or more names, each exactly as the kernel has it (bytes, any encoding),
/// handed to LaminaSystem's descriptor-relative calls. The fuzz and chaos tests reach odd names
/// (not UTF-8, 255 bytes, NFC beside NFD) through it, which a `String` path would damage.
///
/// Thread safety: an immutable value.
struct BytePath: PathArgument, Hashable, Comparable {
    var components: [[UInt8]]

    init(_ components: [[UInt8]]) { self.components = components }
    init(_ text: String) { components = text.split(separator: "/").map { Array($0.utf8) } }

    static let root = BytePath([])

    var isRoot: Bool { components.isEmpty }
    var name: [UInt8] { components.last ?? Array(".".utf8) }
    var parent: BytePath { BytePath(Array(components.dropLast())) }
    func appending(_ name: [UInt8]) -> BytePath { BytePath(components + [name]) }
    /// true when `self` is `other` or below it.
    func isWithin(_ other: BytePath) -> Bool { components.starts(with: other.components) }

    /// The path's bytes, "." for the root.
    var bytes: [UInt8] {
        isRoot ? Array(".".utf8) : Array(components.joined(separator: [UInt8(ascii: "/")]))
    }

    /// One text per path, "." for the root: the key of a `TreeSnapshot` entry and what failure
    /// messages print (`PathText`: Swift compares `String`s by canonical equivalence, so NFC and
    /// NFD spellings of one name would collide as dictionary keys if they stayed text).
    var description: String { isRoot ? "." : components.map(Self.escaped).joined(separator: "/") }

    static func escaped(_ name: [UInt8]) -> String { PathText.escape(bytes: name) }

    static func < (left: BytePath, right: BytePath) -> Bool {
        left.components.lexicographicallyPrecedes(right.components) { $0.lexicographicallyPrecedes($1) }
    }

    func withPathCString<R, E: Error>(_ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        let terminated = bytes.map { CChar(bitPattern: $0) } + [0]
        let result: Result<R, E> = terminated.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { preconditionFailure("a terminated path is never empty") }
            do throws(E) { return .success(try body(base)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
