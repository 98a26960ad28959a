import LaminaTestSupport
import Testing

/// Names a scenario is played with. A scenario is written with plain names; a name set replaces
/// some of them (`a`, `b`, `file`, `low`, wherever one stands as the last name of a path: `dir/a`,
/// `dir/.wh.a`, `dir/nested/file`, `merged/low/x`) with the odd names of `OddNames` in its layers and its script,
/// so every scenario runs again over 255-byte names, names that are not UTF-8, and an NFC/NFD pair
/// in one directory (`a` is NFC `café`, `b` NFD `café`: removing one must leave the other).
///
/// The bytes reach the shell as variables set by `printf` with octal escapes (the script stays ASCII
/// text), and snapshots and transcripts keep every byte (`PathText`), so the kernel's and the
/// implementation's views are compared name for name.
struct NameSet: Sendable, CustomTestStringConvertible {
    let testDescription: String
    /// Plain name -> the bytes it stands for.
    let names: [(plain: String, bytes: [UInt8])]

    static let plain = NameSet(testDescription: "plain names", names: [])
    static let longest = NameSet(testDescription: "255-byte names", names: [
        ("a", OddNames.longest), ("b", OddNames.doomed), ("file", [UInt8](repeating: UInt8(ascii: "f"), count: 255)),
        ("low", [UInt8](repeating: UInt8(ascii: "l"), count: 255)),
    ])
    static let notUTF8 = NameSet(testDescription: "names that are not UTF-8", names: [
        ("a", OddNames.latin1), ("b", OddNames.binary), ("file", [0x80] + Array("file".utf8) + [0xC0]),
        ("low", [0xFE] + Array("low".utf8) + [0x80]),
    ])
    static let normalisation = NameSet(testDescription: "NFC and NFD caf\u{E9}", names: [
        ("a", OddNames.nfc), ("b", OddNames.nfd), ("file", OddNames.nfd + Array("-file".utf8)),
        ("low", OddNames.nfd + Array("-low".utf8)),
    ])
    static let odd = [longest, notUTF8, normalisation]

    /// Characters that end a name in a script: the end of a path component or of a shell word.
    private static let terminators = Set("/ \t\n;'\")|&<>")

    /// `script` with each mapped name replaced (see the type's comment), behind one line that sets
    /// the variables (one line: the shell's messages keep their line numbers).
    func apply(to script: String) -> String {
        guard !names.isEmpty else { return script }
        let prologue = names.enumerated().map { index, entry in
            "\(Self.variable(index))=$(printf '\(entry.bytes.map(Self.octal).joined())')"
        }.joined(separator: "; ")
        return prologue + "\n" + replaced(script) { index in "${\(Self.variable(index))}" }
    }

    /// A fixture's plain path (`d/a`) as the `TreeSnapshot` key of the path the script made.
    func key(_ path: String) -> String {
        replaced(path) { index in PathText.escape(bytes: names[index].bytes) }
    }

    /// True when every `.wh.NAME` the scripts write still fits in 255 bytes with this set.
    func fits(_ scripts: [String]) -> Bool {
        names.allSatisfy { entry in
            entry.bytes.count + 4 <= 255 || !scripts.contains { $0.contains("/.wh." + entry.plain) }
        }
    }

    private static func variable(_ index: Int) -> String { "LAMINA_NAME_\(index)" }

    /// `\NNN`, what printf(1) reads as one byte.
    private static func octal(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 8)
        return "\\" + String(repeating: "0", count: 3 - digits.count) + digits
    }

    private func replaced(_ text: String, with replacement: (Int) -> String) -> String {
        var result = ""
        var rest = Substring(text)
        while let slash = rest.firstIndex(of: "/") {
            result += rest[...slash]
            rest = rest[rest.index(after: slash)...]
            var component = rest
            var prefix = ""
            if component.hasPrefix(".wh.") {
                prefix = ".wh."
                component = component.dropFirst(4)
            }
            let end = component.firstIndex { Self.terminators.contains($0) } ?? component.endIndex
            if let index = names.firstIndex(where: { $0.plain == component[..<end] }) {
                result += prefix + replacement(index)
                rest = component[end...]
            }
        }
        return result + rest
    }
}

extension Scenario {
    /// The same scenario played with `names` (see `NameSet`).
    func withNames(_ names: NameSet) -> Scenario {
        guard !names.names.isEmpty else { return self }
        var copy = self
        copy.name = "\(name), \(names.testDescription)"
        copy.layers = layers.map(names.apply)
        copy.script = names.apply(to: script)
        return copy
    }
}
