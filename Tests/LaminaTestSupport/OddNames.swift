/// Names a layer may hold that a Swift `String` would damage or merge, as raw bytes: the cases the
/// image store's and the runtime's tests take through every operation.
public enum OddNames {
    /// The directory of the test images that holds them.
    public static let names = Array("names".utf8)
    /// NFC `café` (é = 0xC3 0xA9) and NFD `café` (e + U+0301): canonically equal text, two names.
    public static let nfc: [UInt8] = Array("caf\u{E9}".utf8)
    public static let nfd: [UInt8] = Array("cafe".utf8) + [0xCC, 0x81]
    /// Latin-1 `café`: not UTF-8.
    public static let latin1: [UInt8] = Array("caf".utf8) + [0xE9]
    public static let binary: [UInt8] = [0xFF, 0xFE]
    /// Names of exactly 255 bytes; the whiteout of `doomed` is a 259-byte tar member name.
    public static let longest = [UInt8](repeating: UInt8(ascii: "n"), count: 255)
    public static let doomed = [UInt8](repeating: UInt8(ascii: "z"), count: 255)
    /// A symbolic link target that is not UTF-8 either.
    public static let symlinkTarget: [UInt8] = [0xFF, UInt8(ascii: "/")] + nfd

    /// A chain of directories of 255-byte names under `chain`: 18 levels pass PATH_MAX (4096 bytes).
    /// podman's store walks whole paths and refuses that, so what podman loads stays at 12.
    public static let level = [UInt8](repeating: UInt8(ascii: "c"), count: 255)
    public static let pastPathMax = 18
    public static let podmanDepth = 12

    /// `chain` and `depth` levels below it.
    public static func chain(_ depth: Int) -> [[UInt8]] { [Array("chain".utf8)] + Array(repeating: level, count: depth) }

    /// The directories of the chain under `names`, as `TreeLine`s.
    public static func chainDirectories(_ depth: Int) -> [TreeLine] {
        let chain = chain(depth)
        return (1...chain.count).map { TreeLine(path: [names] + chain.prefix($0), kind: "d") }
    }
}
