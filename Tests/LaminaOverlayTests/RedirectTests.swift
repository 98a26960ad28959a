import LaminaSystem
import Testing
@testable import LaminaOverlay

/// Redirect values are validated as the kernel validates them: nothing but names from a layer root.
struct RedirectTests {
    @Test(arguments: [
        ("/a/b", Redirect.absolute(["a", "b"])),
        ("/", Redirect.absolute([])),
        ("old", Redirect.sibling("old")),
    ])
    func validValues(text: String, expected: Redirect) {
        #expect(Redirect(value: Array(text.utf8)) == expected)
    }

    @Test(arguments: ["", "../../../../etc", "/a/../etc", "/./a", "a/b", "//a", "/a//b", "/a/", "..", ".", "/a/.."])
    func invalidValuesAreRefused(text: String) {
        #expect(Redirect(value: Array(text.utf8)) == nil)
    }

    @Test func componentsAreBytes() {
        let value: [UInt8] = [0x2F, 0xFF, 0x2F, 0x63]
        #expect(Redirect(value: value) == .absolute([FileName(bytes: [0xFF])!, "c"]))
        #expect(Redirect.value(absolute: [FileName(bytes: [0xFF])!, "c"]) == value)
        #expect(Redirect(value: Array(repeating: 0x61, count: 256)) == nil)
    }
}
