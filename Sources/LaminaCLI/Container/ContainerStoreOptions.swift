import ArgumentParser
import LaminaImage
import LaminaRuntime
import LaminaSystem

/// `--store`, shared by the container commands: the image store whose `containers/` they use.
struct ContainerStoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The image store (default: $LAMINA_STORE, else /var/lib/lamina as root).", valueName: "dir"))
    var store: String?

    /// Opens the store; this very `lamina` binary serves mounts and monitors detached containers.
    func open() throws -> ContainerStore {
        let images = try ImageStore(root: store ?? ImageStore.defaultRoot())
        let executable = (try? MountCalls.canonicalPath("/proc/self/exe")) ?? CommandLine.arguments[0]
        return try ContainerStore(images: images, laminaExecutable: executable)
    }

    /// Runs `body`, reporting any failure as one line named after `program` (exit status 1).
    func run<T>(_ program: String, _ body: (ContainerStore) throws -> T) throws -> T {
        do {
            return try body(try open())
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw ErrorLine.report(program, error)
        }
    }

    /// Runs `body` for a command that runs a container process (`run`, `exec`, `start`), whose
    /// own failures end with docker's statuses: 127 command not found, 126 not executable, 125
    /// anything else of lamina's, so the process's own status is never mistaken for lamina's.
    func runProcess<T>(_ program: String, _ body: (ContainerStore) throws -> T) throws -> T {
        do {
            return try body(try open())
        } catch let exit as ExitCode {
            throw exit
        } catch {
            ErrorLine.print("\(program): \(error)")
            throw ExitCode((error as? RuntimeError)?.exitCode ?? 125)
        }
    }
}
