import CLaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// One line of a user namespace's uid or gid map: ids `inside..<inside+count` in the namespace are
/// `outside..<outside+count` outside it.
///
/// Immutable value.
public struct IDMapRange: Codable, Sendable, Equatable {
    public var inside: UInt32
    public var outside: UInt32
    public var count: UInt32

    public init(inside: UInt32, outside: UInt32, count: UInt32) {
        self.inside = inside
        self.outside = outside
        self.count = count
    }
}

/// Starts a program in a user namespace (and mount namespace) of its own, as a plain user may, with
/// the ids the caller maps: rootless podman's layout is 0 to the user and 1... to the user's
/// subordinate ids from /etc/subuid and /etc/subgid, which only the setuid newuidmap/newgidmap
/// may write. The program runs as root of that namespace, so it may mount FUSE, chown among the
/// mapped ids and run runc, without any privilege on the host.
///
/// Stateless namespace; safe from any thread (the child is forked and only makes async-signal-safe
/// calls before exec).
public enum UserNamespace {
    /// Where newuidmap and newgidmap are looked for.
    public static let mapHelperDirectories = ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"]

    /// The path of `newuidmap` or `newgidmap`, or nil when not installed.
    public static func mapHelper(_ name: String) -> String? {
        mapHelperDirectories.map { $0 + "/" + name }.first { access($0, X_OK) == 0 }
    }

    /// Starts `executable` with `arguments` in a new user and mount namespace with `uidMap` and
    /// `gidMap` written by newuidmap/newgidmap. The child is released only once both maps are in
    /// place; a map the helpers refuse kills it and throws with the helper's message.
    public static func spawn(
        _ executable: String, _ arguments: [String], uidMap: [IDMapRange], gidMap: [IDMapRange],
        environment: [String]? = nil, directory: String? = nil, streams: (Int32, Int32, Int32)
    ) throws(SystemError) -> ChildProcess {
        var pid: pid_t = 0
        var release: Int32 = -1
        let sources = [streams.0, streams.1, streams.2], targets: [Int32] = [0, 1, 2]
        let code = MountCalls.withCStrings([executable] + arguments) { argv in
            MountCalls.withCStrings(environment ?? ProcessCalls.currentEnvironment()) { envp in
                clamina_spawn_unshared(&pid, &release, executable, argv, envp, sources, targets, 3, directory)
            }
        }
        if code != 0 { throw SystemError("unshare (user namespace)", errno: code, path: executable) }
        let child = ChildProcess(adopting: pid)
        do {
            try writeMap("newuidmap", pid: pid, uidMap)
            try writeMap("newgidmap", pid: pid, gidMap)
        } catch {
            MountCalls.close(release)  // the child exits 127 without running anything
            child.wait(timeout: .seconds(10))
            throw error
        }
        defer { MountCalls.close(release) }
        try MountCalls.writeAll(release, [1])
        return child
    }

    /// Runs `executable` to its end in a namespace mapped as `spawn` maps it; returns its exit code.
    public static func run(
        _ executable: String, _ arguments: [String], uidMap: [IDMapRange], gidMap: [IDMapRange],
        timeout: Duration = .seconds(300)
    ) throws(SystemError) -> Int32 {
        let null = try MountCalls.openReadWrite("/dev/null")
        defer { MountCalls.close(null) }
        let child = try spawn(executable, arguments, uidMap: uidMap, gidMap: gidMap, streams: (null, null, 2))
        guard let status = child.wait(timeout: timeout) else { return ProcessCalls.exitCode(fromWaitStatus: child.stop()) }
        return ProcessCalls.exitCode(fromWaitStatus: status)
    }

    private static func writeMap(_ helper: String, pid: pid_t, _ ranges: [IDMapRange]) throws(SystemError) {
        guard let program = mapHelper(helper) else {
            throw SystemError("\(helper) is not installed (apt-get install uidmap)", errno: ENOENT)
        }
        let fields = ranges.flatMap { [String($0.inside), String($0.outside), String($0.count)] }
        let result = try ChildProcess.run(program, [String(pid)] + fields, timeout: .seconds(30))
        guard result.exitCode == 0 else {
            let message = result.errorOutput.split(separator: "\n").last.map(String.init) ?? "exit \(result.exitCode)"
            throw SystemError("\(helper) refused the map (\(message))", errno: EPERM)
        }
    }
}
