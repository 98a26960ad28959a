import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// A private store for one test, driven through the real `lamina` binary (`$LAMINA_BIN_DIR/lamina`,
/// else beside the test bundle), holding the busybox sample image `sample:1` (built at run time by
/// scripts/lib-busybox-image.sh). Its containers are removed and its directory deleted when the
/// value is dropped.
final class CLIFixture {
    let directory: String
    var store: String { directory + "/store" }

    static let binary: String? = {
        var candidates: [String] = []
        if let dir = ProcessInfo.processInfo.environment["LAMINA_BIN_DIR"] { candidates.append(dir + "/lamina") }
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent().path
        candidates += [bundle + "/lamina", bundle + "/../lamina"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Why tests that only run the binary cannot run, or nil.
    static let binarySkipReason: String? = binary == nil ? "needs the lamina binary (set LAMINA_BIN_DIR)" : nil

    /// Why the container tests cannot run here, or nil.
    static let containerSkipReason: String? = {
        if let binarySkipReason { return binarySkipReason }
        if geteuid() != 0 { return "needs root (runc and mounts)" }
        if !FileManager.default.fileExists(atPath: "/dev/fuse") { return "needs /dev/fuse" }
        for tool in ["runc", "busybox", "script"] where Tool.find(tool) == nil { return "needs \(tool) (scripts/install-deps)" }
        return nil
    }()

    static func enabled(_ reason: String?, _ suite: String) -> Bool {
        if let reason { print("\(suite) skipped: \(reason)") }
        return reason == nil
    }

    /// A fresh store; with `sample`, the sample image imported into it through `lamina image import`.
    init(sample: Bool = true) throws {
        directory = "/tmp/lamina-cli-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard sample else { return }
        try Self.sampleLayout(at: directory + "/layout")
        try lamina("image", "import", directory + "/layout").check()
    }

    deinit {
        if let ids = try? lamina("ps", "-aq").output.split(separator: "\n").map(String.init), !ids.isEmpty {
            _ = try? lamina(["rm", "-f"] + ids)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Builds the busybox sample image as an OCI layout named `sample:1`.
    static func sampleLayout(at path: String) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/lib-busybox-image.sh").path
        try Tool.run("/bin/bash", ["-c", "source '\(script)' && build_busybox_layout '\(path)' sample:1"])
    }

    /// What one run of lamina did.
    struct Outcome: CustomStringConvertible {
        var code: Int32
        var output: String
        var error: String

        var description: String { "exit \(code)\nstdout: \(output)\nstderr: \(error)" }

        /// Fails unless lamina exited 0.
        @discardableResult
        func check() throws -> Outcome {
            guard code == 0 else { throw Tool.Failure(message: "command failed: \(self)") }
            return self
        }
    }

    /// Runs `lamina ARGUMENTS` on this store (`LAMINA_STORE`), with `input` on standard input.
    func lamina(_ arguments: [String], input: String? = nil, environment: [String: String] = [:], timeout: Duration = .seconds(120))
        throws -> Outcome
    {
        let result = try ChildProcess.run(
            Self.binary ?? "/nonexistent/lamina", arguments, input: input, environment: environmentLines(environment),
            timeout: timeout)
        return Outcome(code: result.timedOut ? -1 : result.exitCode, output: result.output, error: result.errorOutput)
    }

    func lamina(_ arguments: String...) throws -> Outcome {
        try lamina(arguments)
    }

    /// Runs a shell command line with this store and `LAMINA` naming the binary (for pipes and redirections).
    func shell(_ script: String, environment: [String: String] = [:]) throws -> Outcome {
        let result = try ChildProcess.run(
            "/bin/sh", ["-c", script], environment: environmentLines(["LAMINA": Self.binary ?? "lamina"].merging(environment) { $1 }),
            directory: directory, timeout: .seconds(120))
        return Outcome(code: result.exitCode, output: result.output, error: result.errorOutput)
    }

    /// Runs `script` under a pseudo-terminal (util-linux `script`), `columns` wide; returns what
    /// the terminal showed.
    func terminal(_ script: String, columns: Int = 80) throws -> Outcome {
        try shell("script -qec 'stty cols \(columns) rows 24; \(script)' /dev/null </dev/null")
    }

    private func environmentLines(_ extra: [String: String]) -> [String] {
        var environment = ProcessInfo.processInfo.environment
        environment["LAMINA_STORE"] = store
        environment.merge(extra) { $1 }
        return environment.map { "\($0.key)=\($0.value)" }
    }
}

/// Helper programs the fixtures run.
enum Tool {
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Whether `name` is a program in `PATH`.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first(where: FileManager.default.isExecutableFile(atPath:))
    }

    /// Runs a program to its end; fails with what it printed unless it exited 0.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let result = try ChildProcess.run(executable, arguments, timeout: .seconds(300))
        return try CLIFixture.Outcome(code: result.timedOut ? -1 : result.exitCode, output: result.output, error: result.errorOutput)
            .check().output
    }
}
