import Foundation
import Testing

/// The `lamina-overlayfs` program as linked: the functions a daemon runs first and together, and no
/// shared libstdc++ (docs/performance.md, "The daemon's code pages"). Both are link settings a
/// toolchain change or a stale order file can silently undo; only memory would show it.
@Suite struct DaemonProgramTests {
    static let orderFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/lamina-overlayfs/link/code-order.txt").path
    /// The daemon's own modules: their functions are compiled one per section, so the order file
    /// decides where each lands.
    static let ownModules = ["13LaminaOverlay", "10LaminaFUSE", "12LaminaSystem", "16LaminaLayerIndex"]
    static let hasBinutils = TestHost.which("nm") != nil && TestHost.which("readelf") != nil

    /// The engine's and bridge's functions on the list are defined in the program and all lie before
    /// every function of those modules the list leaves out. Fails when the list has gone stale
    /// (rerun scripts/order-daemon-code) or the link stopped ordering them.
    @Test(.enabled(if: hasBinutils, "needs nm and readelf (binutils)"))
    func listedFunctionsComeFirst() throws {
        let listed = Set(try String(contentsOfFile: Self.orderFile, encoding: .utf8).split(separator: "\n").map(String.init))
        let program = try ImplementationUnderTest.laminaBinary("lamina-overlayfs")
        let symbols = try Command.run("nm", ["--defined-only", program])
        #expect(symbols.status == 0, "nm failed: \(symbols.transcript)")

        var listedAddresses: [UInt64] = [], otherAddresses: [UInt64] = []
        for line in symbols.output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[1] == "t" || fields[1] == "T",
                  Self.ownModules.contains(where: { fields[2].hasPrefix("$s" + $0) }),
                  let address = UInt64(fields[0], radix: 16) else { continue }
            if listed.contains(String(fields[2])) { listedAddresses.append(address) } else { otherAddresses.append(address) }
        }
        let listedOwn = listed.filter { name in Self.ownModules.contains { name.hasPrefix("$s" + $0) } }
        // Debug builds lack the release build's specialisations, so some listed names are absent.
        #expect(listedAddresses.count * 2 >= listedOwn.count,
                "only \(listedAddresses.count) of the \(listedOwn.count) engine functions on the list are in \(program): rerun scripts/order-daemon-code")
        let lastListed = listedAddresses.max() ?? 0, firstOther = otherAddresses.min() ?? 0
        #expect(!otherAddresses.isEmpty && lastListed < firstOther,
                "listed functions end at 0x\(String(lastListed, radix: 16)), unlisted ones start at 0x\(String(firstOther, radix: 16))")
    }

    @Test(.enabled(if: hasBinutils, "needs nm and readelf (binutils)"))
    func linksNoSharedLibstdcxx() throws {
        let program = try ImplementationUnderTest.laminaBinary("lamina-overlayfs")
        let dynamic = try Command.run("readelf", ["-d", program])
        #expect(dynamic.status == 0, "readelf failed: \(dynamic.transcript)")
        let needed = dynamic.output.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(needed.contains { $0.contains("libfuse3") }, "\(needed)")
        #expect(!needed.contains { $0.contains("libstdc++") }, "\(needed)")
    }
}
