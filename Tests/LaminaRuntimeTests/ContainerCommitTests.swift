import Foundation
import LaminaImage
import LaminaRuntime
import LaminaSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .enabled(if: RuntimeFixture.enabled))
struct ContainerCommitTests {
    static let change = """
        echo committed > /opt/app/config.txt; rm /opt/app/data/b.txt; rm -rf /usr/share/doc
        mkdir /srv; echo linked > /srv/f; ln /srv/f /srv/g
        """

    @Test func committedImageRunsWithTheChangeAndTheDeletion() throws {
        let fixture = try RuntimeFixture()
        _ = try fixture.sh(Self.change, name: "src")
        try fixture.containers.commit("src", as: "sample:2", message: "test")
        let result = try fixture.sh(
            "cat /opt/app/config.txt; ls /opt/app/data; echo share: $(ls /usr/share); stat -c %i /srv/f /srv/g", image: "sample:2")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(Array(lines.prefix(3)) == ["committed", "a.txt", "share:"], "the change and both deletions")
        #expect(lines.count == 5 && lines[3] == lines[4], "hard links are kept")
        let details = try fixture.containers.images.details(try fixture.containers.images.resolve("sample:2"))
        #expect(details.config.rootfs.diffIDs.count == 3)
        #expect(details.config.history?.last?.comment == "test")
    }

    @Test func committedImageLoadsInPodmanWithTheSameFiles() throws {
        guard let podman = ExternalTool.find("podman") else { return }
        let fixture = try RuntimeFixture()
        _ = try fixture.sh(Self.change, name: "src")
        try fixture.containers.commit("src", as: "sample:2")
        let archive = fixture.directory + "/sample2.tar"
        try fixture.containers.images.export("sample:2", to: archive)
        // podman refuses a runroot longer than 50 characters.
        let podmanRoot = "/tmp/lamina-test-podman-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: podmanRoot) }
        let podmanArgs = ["--root", podmanRoot + "/root", "--runroot", podmanRoot + "/run", "--storage-driver", "vfs"]
        try ExternalTool.run(podman, podmanArgs + ["load", "-i", archive])
        let mounted = try ExternalTool.run(podman, podmanArgs + ["image", "mount", "localhost/sample:2"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? ExternalTool.run(podman, podmanArgs + ["image", "unmount", "--all"]) }
        // Lamina's view of the same image: a container listing every file with its content hash.
        let listing = "cd / && find bin etc home opt root srv usr -exec sh -c 'for p; do if [ -L \"$p\" ]; then echo \"$p -> $(readlink \"$p\")\"; elif [ -f \"$p\" ]; then echo \"$p $(stat -c %a \"$p\") $(sha256sum < \"$p\" | cut -c1-16)\"; else echo \"$p $(stat -c %a \"$p\")\"; fi; done' sh {} + | sort"
        let ours = try fixture.sh(listing, image: "sample:2").output
        let theirs = try ExternalTool.run("/bin/sh", ["-c", listing.replacingOccurrences(of: "cd /", with: "cd '\(mounted)'")])
        #expect(!ours.isEmpty)
        #expect(ours == theirs)
    }

    @Test func killedDaemonIsCleanedUpByRemove() throws {
        let fixture = try RuntimeFixture()
        var options = RunOptions(image: "sample:1")
        options.command = ["sleep", "300"]
        let record = try fixture.containers.create(options)
        let rootfs = fixture.containers.rootfs(record.id)
        let store = fixture.containers
        let runner = Thread { _ = try? store.start(record, streams: (0, 2, 2)) }
        runner.start()
        for _ in 0..<200 where fixture.containers.status(of: try fixture.containers.find(record.id)).state != .running {
            usleep(20_000)
        }
        let daemon = try #require(fixture.containers.find(record.id).mountDaemon)
        _ = try ProcessCalls.signal(daemon.pid, SIGKILL)
        for _ in 0..<100 where MountHealth.of(rootfs) != .stale { usleep(20_000) }
        #expect(MountHealth.of(rootfs) == .stale)
        #expect(fixture.containers.status(of: record).mount == .stale)
        try fixture.containers.remove(record.id, force: true)
        #expect(MountHealth.of(rootfs) == .absent)
        #expect(!FileManager.default.fileExists(atPath: fixture.containers.root + "/" + record.id))
        #expect(fixture.containers.containers().isEmpty)
    }
}
