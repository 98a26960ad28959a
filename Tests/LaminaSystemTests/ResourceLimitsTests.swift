import Foundation
import Glibc
import Testing
@testable import LaminaSystem

/// The descriptor table is grown once, up front: the kernel reports its size as FDSize in
/// /proc/self/status, and it never shrinks.
struct ResourceLimitsTests {
    private func tableSize() throws -> Int {
        let status = try #require(try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("FDSize:") })
        return try #require(Int(line.dropFirst("FDSize:".count).trimmingCharacters(in: .whitespaces)))
    }

    @Test func reservingGrowsTheDescriptorTableAtOnce() throws {
        let before = try tableSize()
        let wanted = min(max(2_048, before * 2), ResourceLimits.raiseOpenFileLimit())
        guard wanted > before else {
            print("skipped: the descriptor table (\(before)) already holds the limit")
            return
        }
        ResourceLimits.reserveDescriptorTable(wanted)
        #expect(try tableSize() >= wanted)
        // Nothing stays open: the next descriptor is a low one.
        let probe = Glibc.open("/", OpenFlags.path | O_CLOEXEC)
        defer { _ = Glibc.close(probe) }
        #expect(probe >= 0 && probe < wanted - 1)
    }
}
