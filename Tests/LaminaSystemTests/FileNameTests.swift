import Glibc
import LaminaSystem
import Testing

/// `FileName` is bytes: every name the kernel accepts round-trips, and nothing compares by Unicode.
struct FileNameTests {
    static let samples: [[UInt8]] = [
        Array("a".utf8), Array("fifteen-bytes!!".utf8), Array("sixteen-bytes!!!".utf8),
        [0xFF, 0xFE], [0x63, 0x61, 0x66, 0xE9],  // Latin-1 "café"
        Array("caf\u{E9}".utf8), Array("cafe\u{301}".utf8),  // NFC, NFD
        Array(repeating: UInt8(ascii: "x"), count: 255), Array(repeating: 0xC3, count: 255),
    ]

    @Test(arguments: samples)
    func bytesRoundTrip(bytes: [UInt8]) throws {
        let name = try #require(FileName(bytes: bytes))
        #expect(name.bytes == bytes)
        #expect(name.count == bytes.count)
        name.withBytes { #expect(Array($0) == bytes) }
        name.withCString { #expect(Array(UnsafeRawBufferPointer(start: $0, count: strlen($0))) == bytes) }
        #expect(FileName(cString: name.withCString { strdup($0)! }) == name)
    }

    @Test func spellingsThatStringsConflateStayApart() throws {
        let nfc = try #require(FileName(String("caf\u{E9}")))
        let nfd = try #require(FileName(String("cafe\u{301}")))
        #expect("caf\u{E9}" == "cafe\u{301}")  // what String does
        #expect(nfc != nfd)
        #expect(Set([nfc, nfd]).count == 2)
        let latin1 = try #require(FileName(bytes: [0x63, 0x61, 0x66, 0xE9]))
        let replaced = try #require(FileName(bytes: Array("caf\u{FFFD}".utf8)))
        #expect(latin1 != replaced)
        #expect(latin1.string == nil)
        #expect(latin1.description == "caf\\xE9")
    }

    @Test(arguments: [[UInt8](), Array(repeating: UInt8(ascii: "y"), count: 256), Array("a/b".utf8), [0x61, 0x00]])
    func nonNamesAreRefused(bytes: [UInt8]) {
        #expect(FileName(bytes: bytes) == nil)
    }

    @Test func validationAnswersWhatTheKernelAnswers() {
        #expect(throws: SystemError("name", errno: ENAMETOOLONG)) {
            try FileName(validating: Array(repeating: 0x61, count: 256))
        }
        #expect(throws: SystemError("name", errno: EINVAL)) { try FileName(validating: Array("a/b".utf8)) }
    }

    @Test func prefixesAreBytePrefixes() throws {
        let marker: FileName = ".wh."
        let name = try #require(FileName(bytes: Array(".wh.".utf8) + [0xFF]))
        #expect(name.hasPrefix(marker))
        #expect(name.droppingPrefix(4)?.bytes == [0xFF])
        #expect(!FileName(".w").hasPrefix(marker))
        let long = try #require(FileName(bytes: Array(repeating: 0x61, count: 252)))
        #expect(long.prefixed(with: marker) == nil)  // 256 bytes: no `.wh.` form exists
        #expect(FileName(".").isDotOrDotDot && FileName("..").isDotOrDotDot)
        #expect(!FileName("...").isDotOrDotDot)
    }

    @Test func ordersByBytes() throws {
        let names = try ["b", "a", "\u{E9}", "B"].map { (text: String) in try #require(FileName(text)) }
        #expect(names.sorted().map(\.bytes) == [Array("B".utf8), Array("a".utf8), Array("b".utf8), Array("\u{E9}".utf8)])
    }
}
