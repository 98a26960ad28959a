import Foundation
import Glibc

/// A `lamina-overlayfs -f -d` mount a test runs itself, for tests that need the daemon's process
/// (to stop it) and its debug log (which says whether passthrough was negotiated).
///
/// Not thread-safe: one test owns it.
final class PassthroughMount {
    let lower: String
    let mountpoint: String
    let daemon: ChildProcess
    /// The daemon's "transport: ..." line, once the kernel's INIT was answered.
    private(set) var transportLine: String?
    private var mounted = true

    init(scratch: ScratchDirectory, lower fill: (String) throws -> Void, options: String, writable: Bool) throws {
        lower = try scratch.directory("lower")
        mountpoint = try scratch.directory("mnt")
        try fill(lower)
        var list = "lowerdir=\(lower)"
        if writable { list += ",upperdir=\(try scratch.directory("upper")),workdir=\(try scratch.directory("work"))" }
        daemon = try ChildProcess(
            try ImplementationUnderTest.laminaBinary("lamina-overlayfs"), ["-f", "-d", "-o", "\(list),\(options)", mountpoint],
            in: nil, environment: [:])
        let deadline = ContinuousClock.now + .seconds(30)
        while MountInfo.mount(at: mountpoint)?.type.hasPrefix("fuse") != true {
            guard daemon.isRunning, ContinuousClock.now < deadline else {
                daemon.kill()
                throw HarnessError("lamina-overlayfs did not mount:\n\(daemon.result().transcript)")
            }
            usleep(10_000)
        }
        // The first request waits for INIT, after which the daemon has logged its transport.
        var status = stat()
        _ = stat(mountpoint, &status)
        while transportLine == nil, ContinuousClock.now < deadline {
            transportLine = daemon.result().errorOutput.split(separator: "\n").first { $0.contains("transport: ") }.map(String.init)
            if transportLine == nil { usleep(10_000) }
        }
    }

    deinit { unmount() }

    var passthroughActive: Bool { transportLine?.contains("passthrough on") == true }

    /// The upper directory of a writable mount.
    var upper: String { (lower as NSString).deletingLastPathComponent + "/upper" }

    func unmount() {
        guard mounted else { return }
        mounted = false
        daemon.signal(SIGCONT)
        _ = try? Command.run("fusermount3", ["-u", mountpoint], timeout: .seconds(60))
        if !daemon.wait(timeout: .seconds(30)) { daemon.kill() }
    }
}
