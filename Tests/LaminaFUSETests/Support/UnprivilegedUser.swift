import Foundation
import Glibc
import LaminaSystem

/// A plain user made for one rootless test (`useradd`), with subordinate uid and gid ranges as
/// rootless podman needs, and everything it leaves removed afterwards: podman's pause process (by
/// its pid file), the account and home (`userdel -r`), and its /etc/subuid and /etc/subgid lines.
/// While it lives, /dev/fuse is opened to everyone (this VM has 0600, a normal host 0666) and put
/// back to the mode it had.
///
/// Owned by the one test that made it; `remove()` is safe to call from a `defer`.
final class UnprivilegedUser {
    let name: String
    let uid: uid_t
    let gid: gid_t
    /// A directory the user owns for podman's runtime files (`XDG_RUNTIME_DIR`).
    let runtimeDirectory: String
    private let fuseDeviceMode: mode_t?
    private var removed = false

    /// Why rootless tests cannot run here, or nil when they can.
    static let blocker: String? = {
        if getuid() != 0 { return "rootless tests need root to create a user (useradd)" }
        if let tool = TestHost.missingTool(["useradd", "userdel", "su", "newuidmap", "newgidmap", "unshare", "fusermount3"]) {
            return "rootless tests need \(tool) (uidmap, passwd, util-linux and fuse3 packages)"
        }
        if (try? Command.run("unshare", ["-Ur", "true"], timeout: .seconds(30)))?.status != 0 {
            return "rootless tests need user namespaces (unshare -Ur failed)"
        }
        return nil
    }()

    init(scratch: ScratchDirectory) throws {
        let name = "lmrl" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        self.name = name
        try Command.check("useradd", ["-m", "-s", "/bin/sh", name])
        guard let entry = getpwnam(name) else { throw HarnessError("useradd made no \(name)") }
        uid = entry.pointee.pw_uid
        gid = entry.pointee.pw_gid
        for file in ["/etc/subuid", "/etc/subgid"] where !(Self.lines(file).contains { $0.hasPrefix(name + ":") }) {
            // useradd adds ranges where login.defs says SUB_UID_MIN; elsewhere add one past every other.
            let end = Self.lines(file).compactMap { line -> Int? in
                let fields = line.split(separator: ":")
                guard fields.count == 3, let start = Int(fields[1]), let count = Int(fields[2]) else { return nil }
                return start + count
            }.max() ?? 100_000
            try (Self.lines(file) + ["\(name):\(max(end, 100_000)):65536"]).joined(separator: "\n").appending("\n")
                .write(toFile: file, atomically: false, encoding: .utf8)
        }
        runtimeDirectory = try scratch.directory("run-" + name)
        chown(runtimeDirectory, uid, gid)
        chmod(runtimeDirectory, 0o700)
        chmod(scratch.path, 0o755)
        var info = stat()
        if stat("/dev/fuse", &info) == 0, info.st_mode & 0o006 != 0o006 {
            fuseDeviceMode = info.st_mode & 0o7777
            chmod("/dev/fuse", 0o666)
        } else {
            fuseDeviceMode = nil
        }
    }

    deinit {
        remove()
    }

    /// A directory under the scratch directory owned by the user.
    func directory(_ relative: String, in scratch: ScratchDirectory) throws -> String {
        let path = try scratch.directory(relative)
        chown(path, uid, gid)
        return path
    }

    /// Runs `script` with /bin/sh as the user, in a login-less environment with HOME and
    /// XDG_RUNTIME_DIR set.
    func run(_ script: String, timeout: Duration = .seconds(300)) throws -> CommandResult {
        let preamble = "export XDG_RUNTIME_DIR='\(runtimeDirectory)' HOME=/home/\(name); cd /tmp || exit 1\n"
        return try Command.run("su", ["-s", "/bin/sh", name, "-c", preamble + script], timeout: timeout)
    }

    /// The user's pause process, podman's pid file names, then the account, then its id ranges.
    func remove() {
        guard !removed else { return }
        removed = true
        if let text = try? String(contentsOfFile: runtimeDirectory + "/libpod/tmp/pause.pid", encoding: .utf8),
           let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 {
            kill(pid, SIGKILL)
            usleep(100_000)
        }
        _ = try? Command.run("userdel", ["-r", name], timeout: .seconds(60))
        for file in ["/etc/subuid", "/etc/subgid"] where Self.lines(file).contains(where: { $0.hasPrefix(name + ":") }) {
            let kept = Self.lines(file).filter { !$0.hasPrefix(name + ":") }
            try? (kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n").write(toFile: file, atomically: false, encoding: .utf8)
        }
        if let mode = fuseDeviceMode { chmod("/dev/fuse", mode) }
    }

    private static func lines(_ file: String) -> [String] {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}
