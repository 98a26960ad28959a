import ArgumentParser
import Foundation
import LaminaImage
import LaminaSystem

/// `lamina image mount IMAGE MOUNTPOINT`: mounts an image's merged view, read-only unless
/// `--upper`/`--work` are given, as `lamina mount IMAGE MOUNTPOINT` does (its layers read through
/// their indexes, lazily pulled ones fetched on first read).
struct ImageMount: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount", abstract: "Mount an image's merged view (read-only without --upper/--work).")

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("Writable upper directory (needs --work).", valueName: "dir"))
    var upper: String?

    @Option(help: ArgumentHelp("Work directory on the same file system as --upper.", valueName: "dir"))
    var work: String?

    @Argument(help: "Image name, id or digest.")
    var image: String

    @Argument(help: "The directory to mount on.")
    var mountPoint: String

    func run() throws {
        let arguments = try reportingErrors("mount") {
            let store = try options.open()
            _ = try store.resolve(image)  // a clear error before anything is started
            var arguments = ["mount", "--store", store.root, image]
            if let upper { arguments += ["--upper", upper] }
            if let work { arguments += ["--work", work] }
            return arguments + [mountPoint]
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let child = try reportingErrors("mount") { try ChildProcess(executable, arguments, streams: (0, 1, 2)) }
        let code = ProcessCalls.exitCode(fromWaitStatus: child.wait() ?? 0)
        if code != 0 { throw ExitCode(code) }
    }
}
