import Foundation
import Testing

/// A lazily pulled image runs and mounts at once, through the real binary: the sample image is
/// converted to zstd:chunked and eStargz, pushed to a loopback docker-registry, pulled with
/// `--lazy` into another store, run, mounted (its view equal, file by file, to the full image's),
/// changed in a container, diffed and committed.
@Suite(.serialized, .enabled(if: CLIFixture.enabled(
    CLIFixture.containerSkipReason ?? (PlainRegistry.available ? nil : "needs docker-registry"), "LazyRunTests")))
struct LazyRunTests {
    /// Every entry under `directory` as one line: path, type, mode, owner, size, link target, and
    /// the SHA-256 of a regular file's bytes.
    private func tree(_ fixture: CLIFixture, _ directory: String) throws -> String {
        try fixture.shell("""
            cd '\(directory)' && find . -printf '%p %y %m %U:%G %s %l\\n' | sort
            cd '\(directory)' && find . -type f | sort | xargs -r sha256sum
            """).check().output
    }

    @Test(arguments: ["zstd:chunked", "estargz"])
    func lazyImageRunsAndMountsAtOnce(format: String) throws {
        let fixture = try CLIFixture()
        let registry = try PlainRegistry()
        let name = "\(registry.address)/lamina/lazy:1"
        try fixture.lamina("image", "convert", "--format", format, "--chunk-size", "4096", "sample:1", "sample:lazy").check()
        try fixture.lamina("push", "sample:lazy", name).check()
        let other = ["LAMINA_STORE": fixture.directory + "/lazy-store"]
        let pulled = try fixture.lamina(["image", "pull", "--lazy", name], environment: other)
        #expect(pulled.code == 0, "\(pulled)")
        let listed = try fixture.lamina(["images"], environment: other).check().output
        #expect(listed.contains("LOCAL"), "\(listed)")

        // Runs at once; the file it reads is fetched on first read.
        let run = try fixture.lamina(["run", "--rm", name, "cat", "/etc/motd"], environment: other)
        #expect(run.code == 0 && run.output == "top layer changed this\n", "\(run)")

        // The mounted view equals the full image's, entry by entry and byte by byte.
        let full = fixture.directory + "/full", lazy = fixture.directory + "/lazy"
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: lazy, withIntermediateDirectories: true)
        try fixture.lamina("mount", "sample:1", full).check()
        defer { _ = try? fixture.lamina("unmount", full) }
        try fixture.lamina(["mount", name, lazy], environment: other).check()
        defer { _ = try? fixture.lamina(["unmount", lazy], environment: other) }
        #expect(try tree(fixture, lazy) == (try tree(fixture, full)))

        // A container on the lazy image: changes, diff, commit, and the committed image runs.
        let changed = try fixture.lamina(
            ["run", "--name", "c", name, "sh", "-c", "echo new > /new; rm /etc/motd; echo more >> /opt/app/VERSION"], environment: other)
        #expect(changed.code == 0, "\(changed)")
        let diff = try fixture.lamina(["diff", "c"], environment: other).check().output
        #expect(diff.contains("A /new") && diff.contains("D /etc/motd") && diff.contains("C /opt/app/VERSION"), "\(diff)")
        let commit = try fixture.lamina(["commit", "-t", "committed:1", "c"], environment: other)
        #expect(commit.code == 0, "\(commit)")
        let again = try fixture.lamina(["run", "--rm", "committed:1", "sh", "-c", "cat /new /opt/app/VERSION; ls /etc/motd 2>/dev/null | wc -l"], environment: other)
        #expect(again.code == 0 && again.output == "new\n1.0\nmore\n0\n", "\(again)")
        try fixture.lamina(["rm", "c"], environment: other).check()
    }
}
