import Foundation
import LaminaSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `lamina image import -` killed with SIGKILL in the middle of an import: its input stops half-way
/// through the archive (the rest never comes), so the kill lands while the import is under way.
@Suite(.serialized, .enabled(if: CLIFixture.enabled(CLIFixture.containerSkipReason, "ImportKillTests")))
struct ImportKillTests {
    /// The store then shows no image, the next command clears the dead import's staging, and the
    /// same import completes and lists the image as the source store does.
    @Test func anImportKilledMidwayLosesNothing() throws {
        let fixture = try CLIFixture()
        let archive = fixture.directory + "/sample.tar"
        try fixture.lamina("image", "export", "sample:1", archive).check()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int)
        let other = fixture.directory + "/other"
        let started = try fixture.shell("""
            { head -c \(size / 2) sample.tar; sleep 60 & echo $! > sleep.pid; wait; } \
                | LAMINA_STORE=\(other) $LAMINA image import - > import.out 2>&1 &
            echo $! > import.pid
            """)
        #expect(started.code == 0, "\(started)")
        let pid = try #require(Self.pid(in: fixture.directory + "/import.pid"))
        defer {
            if let sleeper = Self.pid(in: fixture.directory + "/sleep.pid") { kill(sleeper, SIGKILL) }
        }

        // The import is under way once its staging holds a file with data in it.
        let staging = other + "/staging"
        let deadline = ContinuousClock.now + .seconds(60)
        while Self.bytesUnder(staging) == 0, ContinuousClock.now < deadline, kill(pid, 0) == 0 { usleep(20_000) }
        let written = Self.bytesUnder(staging)
        #expect(written > 0, "fixture: the import wrote nothing to staging: \(Self.text(fixture.directory + "/import.out"))")
        #expect(kill(pid, SIGKILL) == 0, "fixture: the import had already ended: \(Self.text(fixture.directory + "/import.out"))")
        while kill(pid, 0) == 0, ContinuousClock.now < deadline { usleep(20_000) }

        let listed = try fixture.lamina(["images"], environment: ["LAMINA_STORE": other])
        #expect(listed.code == 0 && !listed.output.contains("sample"), "\(listed)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []
        #expect(left.isEmpty, "the dead import's staging is still there: \(left)")

        try fixture.lamina(["image", "import", archive], environment: ["LAMINA_STORE": other]).check()
        let source = try fixture.lamina("images").check()
        let imported = try fixture.lamina(["images"], environment: ["LAMINA_STORE": other]).check()
        let line = { (outcome: CLIFixture.Outcome) in outcome.output.split(separator: "\n").first { $0.contains("sample") }.map(String.init) }
        #expect(line(imported) != nil && line(imported) == line(source), "source: \(source.output)\nimported: \(imported.output)")
        try fixture.lamina(["image", "export", "sample:1", fixture.directory + "/again.tar"], environment: ["LAMINA_STORE": other]).check()
    }

    static func pid(in path: String) -> pid_t? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    static func text(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(nothing)"
    }

    /// Bytes in the regular files under `directory` (0 when it does not exist).
    static func bytesUnder(_ directory: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return 0 }
        var total = 0
        while let relative = walker.nextObject() as? String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + relative)
            if attributes?[.type] as? FileAttributeType == .typeRegular { total += attributes?[.size] as? Int ?? 0 }
        }
        return total
    }
}
