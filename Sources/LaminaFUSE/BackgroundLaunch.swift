import Glibc
import LaminaSystem

/// Starts the mount daemon in the background and returns once the mount is live (or failed):
/// the command re-executes itself (`/proc/self/exe`) with its foreground flag and a readiness pipe,
/// the child (`MountService`) starts its own session, mounts and reports, and this side relays the
/// outcome. The child's standard streams go to /dev/null, or to a log file, never to the caller's
/// pipes, so a caller that reads our output to end of file is not kept waiting by the daemon.
///
/// Stateless namespace; runs on the calling thread.
public enum BackgroundLaunch {
    /// Re-executes this program with `arguments` (argv[0] first) and waits for the daemon's word.
    /// Returns normally when the mount is live; throws the daemon's one-line error otherwise.
    public static func run(arguments: [String], logFile: String?) throws(MountError) {
        do {
            let pipe = try MountCalls.makePipe()
            defer { MountCalls.close(pipe.read) }
            let output = try logFile.map { (path) throws(SystemError) in try MountCalls.openForAppending(path) }
            let null = try MountCalls.openReadWrite("/dev/null")
            try MountCalls.closeOnExec(from: 3)
            var environment = ProcessCalls.currentEnvironment().filter { !$0.hasPrefix(ReadinessSignal.environmentVariable + "=") }
            environment.append("\(ReadinessSignal.environmentVariable)=3")
            let pid: pid_t
            do {
                defer {
                    MountCalls.close(pipe.write)
                    MountCalls.close(null)
                    if let output { MountCalls.close(output) }
                }
                pid = try MountCalls.spawn(
                    "/proc/self/exe", arguments: arguments, environment: environment,
                    descriptors: [(null, 0), (output ?? null, 1), (output ?? null, 2), (pipe.write, 3)])
            }
            let outcome = ReadinessSignal.outcome(of: try MountCalls.readToEnd(pipe.read))
            if case .failure(let error) = outcome {
                // The daemon exits after reporting a failure; collect it so it leaves no zombie.
                _ = try? MountCalls.exitStatus(of: pid, blocking: true)
                throw error
            }
        } catch let error as MountError {
            throw error
        } catch let error as SystemError {
            throw MountError(.system, "cannot start the mount daemon: \(error)", errno: error.errno)
        } catch {
            throw MountError(.system, "cannot start the mount daemon: \(error)")
        }
    }
}
