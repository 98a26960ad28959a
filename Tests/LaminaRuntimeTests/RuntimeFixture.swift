import Foundation
import LaminaImage
import LaminaRuntime
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// A private image store holding the busybox sample image (built at run time by
/// scripts/lib-busybox-image.sh), and a container store over it using the `lamina` binary.
final class RuntimeFixture {
    let directory: String
    let containers: ContainerStore

    static let laminaBinary: String? = {
        var candidates: [String] = []
        if let dir = ProcessInfo.processInfo.environment["LAMINA_BIN_DIR"] { candidates.append(dir + "/lamina") }
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent().path
        candidates += [bundle + "/lamina", bundle + "/../lamina"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Why the container tests cannot run here, or nil when they can.
    static let skipReason: String? = {
        if geteuid() != 0 { return "needs root (runc and mounts)" }
        if !FileManager.default.fileExists(atPath: "/dev/fuse") { return "needs /dev/fuse" }
        if ExternalTool.find("runc") == nil { return "needs runc (apt-get install -y runc)" }
        if ExternalTool.find("busybox") == nil { return "needs busybox-static" }
        if laminaBinary == nil && ProcessInfo.processInfo.environment["LAMINA_ROOTFS_MOUNTER"] == nil {
            return "needs the lamina binary (set LAMINA_BIN_DIR)"
        }
        return nil
    }()
    static var enabled: Bool {
        if let skipReason { print("LaminaRuntimeTests skipped: \(skipReason)") }
        return skipReason == nil
    }

    init() throws {
        directory = "/tmp/lamina-test-runtime-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/lib-busybox-image.sh").path
        try ExternalTool.run("/bin/bash", ["-c", "source '\(script)' && build_busybox_layout '\(directory)/layout' sample:1"])
        let images = try ImageStore(root: directory + "/store")
        try images.importLayout(at: directory + "/layout")
        containers = try ContainerStore(images: images, laminaExecutable: Self.laminaBinary ?? "/nonexistent/lamina")
    }

    deinit {
        for record in containers.containers() { try? containers.remove(record.id, force: true) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a container in the foreground; returns its exit code and what it printed.
    func run(_ options: RunOptions) throws -> (code: Int32, output: String) {
        let record = try containers.create(options)
        let outputPath = directory + "/out-\(record.id)"
        let output = try PosixCall.open(outputPath, flags: O_WRONLY | O_CREAT | O_TRUNC)
        let null = try PosixCall.open("/dev/null", flags: O_RDONLY)
        defer {
            PosixCall.close(output)
            PosixCall.close(null)
        }
        let code = try containers.start(record, streams: (null, output, output))
        return (code, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }

    /// Runs `sh -c script` in a new container of `image`.
    func sh(_ script: String, image: String = "sample:1", name: String? = nil, configure: (inout RunOptions) throws -> Void = { _ in })
        throws -> (code: Int32, output: String)
    {
        var options = RunOptions(image: image)
        options.name = name
        options.command = ["sh", "-c", script]
        try configure(&options)
        return try run(options)
    }
}

/// Runs helper programs for the fixtures.
enum ExternalTool {
    static func find(_ name: String) -> String? {
        for directory in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        return nil
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let result = try ChildProcess.run(executable, arguments, timeout: .seconds(300))
        let text = result.output + result.errorOutput
        guard result.exitCode == 0, !result.timedOut else {
            throw SystemError("\(executable) \(arguments.joined(separator: " ")): \(result.timedOut ? "killed after 300 s; " : "")\(text)", errno: EIO)
        }
        return text
    }
}
