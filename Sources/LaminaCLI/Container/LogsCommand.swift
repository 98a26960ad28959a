import ArgumentParser
import LaminaRuntime
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// `lamina logs`: what a container wrote, its standard output on lamina's and its standard error
/// on lamina's, in the order it was written.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Show a container's output.",
        discussion: "Kept for every container, detached or not, across restarts, until it is removed.")

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Flag(name: .shortAndLong, help: "Keep printing new output until the container exits.") var follow = false
    @Option(name: [.customShort("n"), .customLong("tail")], help: ArgumentHelp("Only the last N lines (default: all).", valueName: "N|all"))
    var tail = "all"
    @Flag(name: .shortAndLong, help: "Put the time each line was written before it.") var timestamps = false

    @Argument(help: "The container (name or id).", completion: .custom(Completion.containers)) var container: String

    func validate() throws {
        if tail != "all" && Int(tail).map({ $0 < 0 }) ?? true { throw ValidationError("--tail takes a number of lines or 'all'") }
    }

    func run() throws {
        var atLineStart: [ContainerLog.Stream: Bool] = [:]
        try storeOptions.run("lamina logs") { store in
            try store.logs(container, tail: Int(tail), follow: follow) { records in
                for record in records {
                    let descriptor = record.stream == .stderr ? STDERR_FILENO : STDOUT_FILENO
                    var bytes: [UInt8] = []
                    if timestamps && atLineStart[record.stream, default: true] && !record.timestamp.isEmpty {
                        bytes += Array((record.timestamp + " ").utf8)
                    }
                    bytes += record.content
                    if record.endsLine { bytes.append(UInt8(ascii: "\n")) }
                    atLineStart[record.stream] = record.endsLine
                    try? MountCalls.writeAll(descriptor, bytes)
                }
            }
        }
    }
}
