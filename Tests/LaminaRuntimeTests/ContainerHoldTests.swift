import Foundation
import LaminaImage
import LaminaRuntime
import LaminaSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A container keeps its image's layers: `image rm` of the image refuses (or, forced, untags and
/// keeps the data), `image prune` leaves the layers under a created or running container, and the
/// container's files and its commit keep working; removing the container lets prune take them.
@Suite(.serialized, .enabled(if: RuntimeFixture.enabled))
struct ContainerHoldTests {
    @Test func layersUnderARunningContainerSurviveRemovalAndPrune() throws {
        let fixture = try RuntimeFixture()
        let images = fixture.containers.images
        var options = RunOptions(image: "sample:1")
        options.name = "holder"
        options.command = ["sh", "-c", "sleep 2; cat /opt/app/config.txt > /srv-out 2>&1 || echo missing > /srv-out; echo done"]
        let record = try fixture.containers.create(options)
        let store = fixture.containers
        let runner = Thread { _ = try? store.start(record, streams: (0, 2, 2)) }
        runner.start()
        for _ in 0..<200 where fixture.containers.status(of: try fixture.containers.find(record.id)).state != .running {
            usleep(20_000)
        }

        #expect {
            try images.remove("sample:1")
        } throws: { "\($0)".contains("in use by container holder") }
        #expect(try images.remove("sample:1", force: true) == ["sample:1"])
        let report = try images.prune()
        #expect(report.layers.isEmpty, "prune keeps the running container's layers: \(report.layers)")
        for directory in record.lowerDirectories { #expect(FileManager.default.fileExists(atPath: directory)) }

        for _ in 0..<500 where fixture.containers.status(of: try fixture.containers.find(record.id)).state == .running {
            usleep(20_000)
        }
        // The container read its image's file after the prune, and can still be committed.
        try fixture.containers.commit("holder", as: "sample:committed")
        let check = try fixture.sh("cat /srv-out; cat /opt/app/config.txt", image: "sample:committed")
        #expect(check.code == 0)
        #expect(!check.output.contains("missing") && !check.output.contains("No such file"), Comment(rawValue: check.output))

        try fixture.containers.remove("holder", force: true)
        #expect(images.liveHolds().allSatisfy { $0.holder != record.id }, "the hold goes with the container")
    }

    @Test func createdContainerHoldsItsImageAndRemovalReleasesIt() throws {
        let fixture = try RuntimeFixture()
        let images = fixture.containers.images
        var options = RunOptions(image: "sample:1")
        options.command = ["true"]
        let record = try fixture.containers.create(options)
        #expect(images.liveHolds().map(\.holder) == [record.id])
        #expect(throws: ImageError.self) { try images.remove("sample:1") }
        try fixture.containers.remove(record.id, force: true)
        #expect(images.liveHolds().isEmpty)
        try images.remove("sample:1")
        #expect(try images.prune().layers.count == record.lowerDirectories.count, "nothing holds the layers any more")
    }
}
