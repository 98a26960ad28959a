import ArgumentParser
import LaminaRuntime

/// `lamina cp`: files and directories between a container and the host, as `docker cp`.
struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp",
        abstract: "Copy files between a container and the host.",
        discussion: """
            One of the two is CONTAINER:PATH. A file onto a directory goes into it; a directory onto a missing \
            path becomes it, onto a directory goes into it; SRC/. copies a directory's contents. Works on stopped \
            containers too; paths in the container never lead out of it, whatever its links say.
            """)

    @OptionGroup var storeOptions: ContainerStoreOptions
    @Flag(name: .shortAndLong, help: "Keep owners (uid and gid); otherwise copies belong to root.") var archive = false

    @Argument(help: ArgumentHelp("What to copy.", valueName: "container:path|host-path"), completion: .custom(Completion.containers))
    var source: String
    @Argument(help: ArgumentHelp("Where to.", valueName: "container:path|host-path"), completion: .custom(Completion.containers))
    var destination: String

    func run() throws {
        try storeOptions.run("lamina cp") { store in
            guard source != "-" && destination != "-" else {
                throw RuntimeError.invalidArgument("copying a tar stream (-) is not supported: give a host path")
            }
            let from = Self.location(source), to = Self.location(destination)
            switch (from, to) {
            case (.host, .host): throw RuntimeError.invalidArgument("one side must be CONTAINER:PATH")
            case (.container, .container): throw RuntimeError.invalidArgument("copying between two containers is not supported: copy through the host")
            default: try store.copy(from: from, to: to, archive: archive)
            }
        }
    }

    /// `NAME:PATH` is in a container; a path starting with `/` or `.` (or without `:`) is the host's.
    static func location(_ text: String) -> ContainerStore.CopyLocation {
        guard !text.hasPrefix("/"), !text.hasPrefix("."), let colon = text.firstIndex(of: ":") else { return .host(text) }
        return .container(String(text[..<colon]), path: String(text[text.index(after: colon)...]))
    }
}
