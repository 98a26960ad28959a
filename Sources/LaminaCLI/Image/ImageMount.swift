import ArgumentParser
import Foundation
import LaminaImage
import LaminaSystem

/// `lamina image mount IMAGE MOUNTPOINT`: mounts an image's merged view, read-only unless
/// `--upper`/`--work` are given, by handing its layer directories to `lamina mount --lower`.
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
            let lower = try options.open().layerDirectories(for: image).joined(separator: ":")
            // As `lamina mount IMAGE`: the image's setuid programs and devices stay inert.
            var arguments = ["mount", "--lower", lower, "-o", "nosuid,nodev"]
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
