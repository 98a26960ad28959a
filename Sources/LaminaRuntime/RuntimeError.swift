import LaminaImage
import LaminaSystem

/// Everything that can stop a container operation, each case one line a user can act on.
///
/// Image-store and syscall failures are wrapped, not flattened, so `--debug` callers keep the
/// cause; the description is what `lamina` prints.
public enum RuntimeError: Error, Sendable, CustomStringConvertible {
    case imageNotFound(String)
    case image(ImageError)
    case nameInUse(name: String, id: String)
    case invalidName(String)
    case invalidHostname(String)
    case containerNotFound(String)
    case ambiguousContainer(String)
    case runcMissing
    case noCommand(image: String)
    case commandNotFound(command: String, image: String, searched: String)
    /// The command exists but is not an executable file.
    case commandNotExecutable(command: String, image: String)
    /// runc could not start the process; `exitCode` is docker's for the reason (125, 126, 127).
    case startFailed(String, exitCode: Int32)
    /// `-t` with no terminal to give the container.
    case terminalRequired
    case invalidSignal(String)
    case userNotFound(String)
    case mountBusy(String)
    case mountFailed(String)
    case running(String)
    case notRunning(String)
    case invalidArgument(String)
    case rootless(String)
    case runc(String)
    case system(SystemError)

    public var description: String {
        switch self {
        case .imageNotFound(let image):
            "image not found: \(image) (`lamina pull \(image)` fetches it, `lamina image import` imports one; `lamina images` lists the store)"
        case .image(let error): "\(error)"
        case .nameInUse(let name, let id):
            "the name \(name) is already in use by container \(id.prefix(12)): remove it (`lamina rm \(name)`) or pick another --name"
        case .invalidName(let name):
            "invalid container name '\(name)': use letters, digits, '_', '.' and '-', starting with a letter or digit"
        case .invalidHostname(let name):
            "invalid hostname '\(name)': use letters, digits and '-' in labels separated by '.', at most 63 characters each"
        case .containerNotFound(let text): "no such container: \(text) (`lamina ps -a` lists them)"
        case .ambiguousContainer(let text): "'\(text)' names more than one container; give more of the id"
        case .runcMissing: "runc is not installed (no runc in PATH): install it with `apt-get install -y runc`"
        case .noCommand(let image): "no command given and image \(image) has no Entrypoint or Cmd"
        case .commandNotFound(let command, let image, let searched):
            "command not found in image \(image): \(command)" + (searched.isEmpty ? "" : " (searched PATH \(searched))")
        case .commandNotExecutable(let command, let image):
            "the command cannot be run: \(command) in image \(image) is not an executable file"
        case .startFailed(let message, _): message
        case .terminalRequired:
            "-t needs a terminal: standard input is not one and lamina has no controlling terminal (drop -t, or run from a terminal)"
        case .invalidSignal(let text): "invalid signal: \(text) (a name such as TERM or SIGKILL, or a number from 1 to 64)"
        case .userNotFound(let message): message
        case .mountBusy(let message): message
        case .mountFailed(let message): "cannot mount the container's root file system: \(message)"
        case .running(let name): "container \(name) is running: stop it first (`lamina stop \(name)`) or use `lamina rm -f`"
        case .notRunning(let name): "container \(name) is not running"
        case .invalidArgument(let message): message
        case .rootless(let message): "cannot run a container without root: \(message)"
        case .runc(let message): "runc: \(message)"
        case .system(let error): error.description
        }
    }
}

extension RuntimeError {
    /// The exit status `lamina run`, `exec` and `start` end with, as docker's: 127 when the command
    /// does not exist, 126 when it cannot be run, 125 when lamina itself failed.
    public var exitCode: Int32 {
        switch self {
        case .commandNotFound: 127
        case .commandNotExecutable: 126
        case .startFailed(_, let code): code
        default: 125
        }
    }

    /// Runs system calls, reporting their failure as a runtime error.
    static func system<T>(_ body: () throws(SystemError) -> T) throws(RuntimeError) -> T {
        do {
            return try body()
        } catch {
            throw .system(error)
        }
    }

    /// Runs image-store calls; an unknown image becomes the runtime's own `imageNotFound`.
    static func image<T>(_ body: () throws(ImageError) -> T) throws(RuntimeError) -> T {
        do {
            return try body()
        } catch {
            if case .imageNotFound(let text) = error { throw .imageNotFound(text) }
            throw .image(error)
        }
    }
}
