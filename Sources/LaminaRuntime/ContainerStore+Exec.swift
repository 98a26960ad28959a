import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ContainerStore {
    /// `lamina exec`: runs a command in a running container with `runc exec`, starting from the
    /// container's own environment, working directory and user, with the options' changes. The
    /// command is checked first (127 not found, 126 not executable). In the foreground, returns
    /// its exit code, its output relayed to `streams` (not logged, as docker does); detached,
    /// returns 0 once it started.
    public func exec(_ text: String, _ options: ExecOptions, streams: (Int32, Int32, Int32)) throws(RuntimeError) -> Int32 {
        let record = try find(text)
        guard status(of: record).state == .running else { throw .notRunning(record.name) }
        guard !(options.detach && options.terminal) else {
            throw .invalidArgument("-t needs the command in the foreground: drop -d or -t")
        }
        guard !options.command.isEmpty else { throw .invalidArgument("exec needs a command to run") }
        let container = try runtimeSpec(of: record)
        var run = RunOptions(image: record.image)
        run.command = options.command
        run.environment = options.environment
        run.workingDirectory = options.workingDirectory
        run.user = options.user
        run.terminal = options.terminal
        let base = ImageRunConfig(
            env: container.process.env, workingDir: container.process.cwd,
            user: "\(container.process.user.uid):\(container.process.user.gid)")
        let process = try ContainerProcess(image: base, options: run, rootfs: rootfs(record.id))

        let token = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let processPath = directory(record.id) + "/exec-\(token).json"
        let runcLog = directory(record.id) + "/exec-\(token).log"
        try writeJSON(process.spec(terminal: options.terminal), to: processPath)
        defer {
            _ = try? PosixCall.unlink(processPath)
            _ = try? PosixCall.unlink(runcLog)
        }
        let runc = try runc()
        let arguments = ["--root", runc.root, "exec", "--process", processPath] + (options.detach ? ["--detach"] : []) + [record.id]
        guard options.detach else {
            let session = RuncSession(runcLog: runcLog, streams: streams, log: nil, terminal: options.terminal) {
                (pipes) throws(RuntimeError) -> pid_t in
                try RuntimeError.system { () throws(SystemError) in
                    try ExternalCommand.spawn(runc.executable, runc.logArguments(runcLog) + arguments, streams: pipes)
                }
            }
            return try session.run()
        }
        let result = try RuntimeError.system { () throws(SystemError) in
            try ExternalCommand.run(runc.executable, runc.logArguments(runcLog) + arguments)
        }
        if result.exitCode != 0 {
            let message = RuncMessage.errors(inLog: runcLog).last ?? RuncMessage.parse(line: result.lastLine)
            throw RuncMessage(text: message).failure
        }
        return 0
    }

    /// The container's config.json, as `create` wrote it.
    func runtimeSpec(of record: ContainerRecord) throws(RuntimeError) -> RuntimeSpec {
        let path = bundleDirectory(record.id) + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .system(SystemError("open", errno: ENOENT, path: path))
        }
        do {
            return try JSONDecoder().decode(RuntimeSpec.self, from: data)
        } catch {
            throw .invalidArgument("container \(record.name) has an unreadable config.json: \(error)")
        }
    }
}
