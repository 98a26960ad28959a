import Foundation

/// The process a container runs, worked out from the image's config and `lamina run`'s options
/// the way Docker does: `--entrypoint` replaces Entrypoint (and drops the image's Cmd), arguments
/// after the image replace Cmd, `-e` adds to or overrides Env, `-w` and `-u` override WorkingDir
/// and User. The command must exist in the image: it is looked up in the merged view.
///
/// Immutable value.
struct ContainerProcess: Sendable {
    var args: [String]
    var env: [String]
    var cwd: String
    var identity: UserDatabase.Identity

    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The argument vector: entrypoint then command.
    static func arguments(image: ImageRunConfig, options: RunOptions) throws(RuntimeError) -> [String] {
        var entrypoint = image.entrypoint
        var command = options.command.isEmpty ? image.cmd : options.command
        if let override = options.entrypoint {
            entrypoint = override.isEmpty ? [] : [override]
            if options.command.isEmpty { command = [] }
        }
        let args = entrypoint + command
        guard !args.isEmpty else { throw .noCommand(image: options.image) }
        return args
    }

    /// Resolves user, environment and working directory against the mounted `rootfs`, and checks
    /// that the command exists there.
    init(image: ImageRunConfig, options: RunOptions, rootfs: String,
         hostEnvironment: [String: String] = ProcessInfo.processInfo.environment) throws(RuntimeError) {
        args = try Self.arguments(image: image, options: options)
        identity = try UserDatabase(rootfs: rootfs).identity(for: options.user ?? image.user)
        var env = image.env
        for entry in options.environment {
            if entry.contains("=") {
                Self.set(entry, in: &env)
            } else if let value = hostEnvironment[entry] {
                Self.set("\(entry)=\(value)", in: &env)
            }
        }
        if Self.value("PATH", in: env) == nil { env.insert("PATH=\(Self.defaultPath)", at: 0) }
        if Self.value("HOME", in: env) == nil { env.append("HOME=\(identity.home.isEmpty ? "/" : identity.home)") }
        if options.terminal && Self.value("TERM", in: env) == nil { env.append("TERM=xterm") }
        self.env = env
        let directory = options.workingDirectory ?? image.workingDir
        cwd = directory.isEmpty ? "/" : directory
        guard cwd.hasPrefix("/") else { throw .invalidArgument("the working directory must be absolute: \(cwd)") }
        try checkCommand(in: rootfs, image: options.image)
    }

    private func checkCommand(in rootfs: String, image: String) throws(RuntimeError) {
        let command = args[0]
        if command.contains("/") {
            guard RootfsPath.isExecutable(command, in: rootfs) else {
                // A path that exists but is no executable file cannot be run (126, as docker).
                guard RootfsPath.resolve(command, in: rootfs) == nil else { throw .commandNotExecutable(command: command, image: image) }
                throw .commandNotFound(command: command, image: image, searched: "")
            }
            return
        }
        let search = Self.value("PATH", in: env) ?? Self.defaultPath
        for directory in search.split(separator: ":") where RootfsPath.isExecutable("\(directory)/\(command)", in: rootfs) {
            return
        }
        throw .commandNotFound(command: command, image: image, searched: search)
    }

    static func value(_ key: String, in env: [String]) -> String? {
        env.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    private static func set(_ entry: String, in env: inout [String]) {
        let key = entry.prefix { $0 != "=" }
        if let index = env.firstIndex(where: { $0.prefix { $0 != "=" } == key }) {
            env[index] = entry
        } else {
            env.append(entry)
        }
    }

    /// The `process` of config.json.
    func spec(terminal: Bool) -> RuntimeSpec.Process {
        let capabilities = identity.uid == 0 ? RuntimeSpec.defaultCapabilities : []
        return RuntimeSpec.Process(
            terminal: terminal,
            user: RuntimeSpec.User(uid: identity.uid, gid: identity.gid,
                                   additionalGids: identity.additionalGids.isEmpty ? nil : identity.additionalGids),
            args: args, env: env, cwd: cwd,
            capabilities: RuntimeSpec.Capabilities(
                bounding: RuntimeSpec.defaultCapabilities, effective: capabilities, permitted: capabilities, inheritable: nil),
            noNewPrivileges: false)
    }
}
