import Foundation
import LaminaRuntime
import Testing

@Suite(.serialized, .enabled(if: RuntimeFixture.enabled))
struct ContainerRunTests {
    @Test(arguments: [0, 1, 7, 255])
    func exitCodeIsTheContainers(code: Int32) throws {
        let fixture = try RuntimeFixture()
        #expect(try fixture.sh("exit \(code)").code == code)
    }

    @Test func environmentWorkingDirectoryAndUser() throws {
        let fixture = try RuntimeFixture()
        let result = try fixture.sh("echo $GREETING $EXTRA; pwd; id -u; id -g; id -G") { options in
            options.environment = ["EXTRA=given"]
            options.workingDirectory = "/home/app"
            options.user = "app"
        }
        #expect(result.code == 0)
        #expect(result.output.split(separator: "\n") == ["hello given", "/home/app", "1000", "1000", "1000 50"])
        // The image's own WorkingDir and root user when nothing overrides them.
        #expect(try fixture.sh("pwd; id -u").output == "/opt/app\n0\n")
    }

    @Test func readOnlyBindMount() throws {
        let fixture = try RuntimeFixture()
        let host = fixture.directory + "/shared"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        try "from the host\n".write(toFile: host + "/file", atomically: true, encoding: .utf8)
        let result = try fixture.sh("cat /data/file; echo x > /data/new && echo wrote") { options in
            options.volumes = [try VolumeMount(parsing: "\(host):/data:ro")]
        }
        // stdout and stderr reach the file through separate streams, so only each one's own order
        // is kept: the file's line is there, the failed write's message may come before it.
        #expect(result.output.split(separator: "\n").contains("from the host"), "\(result.output)")
        #expect(result.output.contains("Read-only file system"), "\(result.output)")
        #expect(!result.output.contains("wrote"))
        #expect(!FileManager.default.fileExists(atPath: host + "/new"))
    }

    @Test func unknownImageAndMissingCommandAreClearErrors() throws {
        let fixture = try RuntimeFixture()
        #expect(throws: RuntimeError.self) { try fixture.sh("true", image: "missing:1") }
        var options = RunOptions(image: "sample:1")
        options.command = ["no-such-command"]
        do {
            _ = try fixture.containers.create(options)
            Issue.record("a missing command was accepted")
        } catch {
            #expect("\(error)".contains("command not found in image sample:1: no-such-command"))
        }
        #expect(fixture.containers.containers().isEmpty)
    }

    @Test func namesAreUnique() throws {
        let fixture = try RuntimeFixture()
        _ = try fixture.sh("true", name: "taken")
        #expect(throws: RuntimeError.self) { try fixture.sh("true", name: "taken") }
    }

    @Test func containersWriteTheSamePathIndependently() throws {
        let fixture = try RuntimeFixture()
        _ = try fixture.sh("echo one > /opt/app/config.txt", name: "one")
        _ = try fixture.sh("echo two > /opt/app/config.txt; rm /etc/motd", name: "two")
        let one = try fixture.containers.find("one")
        let two = try fixture.containers.find("two")
        let upper = { (id: String) in fixture.containers.root + "/" + id + "/upper/opt/app/config.txt" }
        #expect(try String(contentsOfFile: upper(one.id), encoding: .utf8) == "one\n")
        #expect(try String(contentsOfFile: upper(two.id), encoding: .utf8) == "two\n")
        // The image is untouched: a third container sees the original file and /etc/motd.
        #expect(try fixture.sh("cat /opt/app/config.txt /etc/motd").output == "mode=base\ntop layer changed this\n")
        #expect(try fixture.containers.diff("one").map(\.description) == ["C /opt", "C /opt/app", "C /opt/app/config.txt"])
    }
}
