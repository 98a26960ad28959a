import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// One `runc run` or `runc exec` in the foreground, as `lamina run`, `exec` and a container's
/// monitor use it: runc writes into pipes whose other ends an `OutputRelay` reads, so the
/// container's standard output and error reach the caller's descriptors apart and the log keeps
/// a copy; signals this process gets go to runc (which passes them on); and when runc itself
/// fails, its message comes back as one translated `RuntimeError`, never as runc's own lines.
///
/// Immutable value; `run` blocks until runc exits.
struct RuncSession {
    /// Where runc writes its JSON log (emptied first).
    var runcLog: String
    /// Standard input for the container, and where its output and errors go (-1: only to `log`).
    var streams: (input: Int32, output: Int32, error: Int32)
    var log: ContainerLog.Writer?
    var terminal: Bool
    /// Starts runc (`--log RUNCLOG --log-format json ...`, or a runner that does) on the given
    /// standard input, output and error; returns the pid to wait for.
    var spawn: (_ streams: (Int32, Int32, Int32)) throws(RuntimeError) -> pid_t

    /// Runs runc to its end; returns the container process's exit code (128 + signal when killed).
    func run() throws(RuntimeError) -> Int32 {
        if terminal { try Self.checkTerminal(input: streams.input) }
        _ = try? PosixCall.unlink(runcLog)
        let output = try RuntimeError.system { () throws(SystemError) in try MountCalls.makePipe() }
        let errors: (read: Int32, write: Int32)
        do {
            errors = try RuntimeError.system { () throws(SystemError) in try MountCalls.makePipe() }
        } catch {
            MountCalls.close(output.read)
            MountCalls.close(output.write)
            throw error
        }
        defer {
            MountCalls.close(output.read)
            MountCalls.close(errors.read)
        }
        let pid: Int32
        do {
            defer {
                MountCalls.close(output.write)
                MountCalls.close(errors.write)
            }
            pid = try spawn((streams.input, output.write, errors.write))
        }
        SignalRelay.start(to: pid)
        let relay = OutputRelay(
            sources: [
                OutputRelay.Source(descriptor: output.read, stream: .stdout, destination: streams.output),
                OutputRelay.Source(descriptor: errors.read, stream: .stderr, destination: streams.error),
            ],
            log: log, runcLog: runcLog)
        relay.run()
        let status = try? MountCalls.exitStatus(of: pid, blocking: true)
        SignalRelay.stop()
        if let failure = relay.runcFailure { throw RuncMessage(text: failure).failure }
        return status.map(ProcessCalls.exitCode(fromWaitStatus:)) ?? 255
    }

    /// runc gives a container a terminal by taking over the caller's: standard input must be one,
    /// or the process must have a controlling terminal (/dev/tty), as runc looks for it.
    static func checkTerminal(input: Int32) throws(RuntimeError) {
        if ProcessCalls.isTerminal(input) { return }
        guard let tty = try? MountCalls.openReadWrite("/dev/tty") else { throw .terminalRequired }
        MountCalls.close(tty)
    }
}

extension Runc {
    /// The global options that send runc's log, as JSON, to `path` instead of standard error.
    func logArguments(_ path: String) -> [String] {
        ["--log", path, "--log-format", "json"]
    }
}

extension ContainerStore {
    /// Whether a container can get a terminal (`-t`) given `input` as its standard input (-1: none):
    /// checked before a container is made, so a missing terminal leaves nothing behind.
    public static func checkTerminal(input: Int32) throws(RuntimeError) {
        try RuncSession.checkTerminal(input: input)
    }
}
