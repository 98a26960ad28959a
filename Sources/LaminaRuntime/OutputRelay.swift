import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Copies what runc writes on the pipes it was given — the container's standard output and
/// error — to where the user sees them and into the container's log, each stream to its own
/// place, until every pipe reaches end of file.
///
/// runc's own fatal error arrives on the same standard error as the container's; the line that
/// runc also wrote to its JSON log as an error is held back here (`runcFailure`), so the caller
/// reports it translated instead. A destination that stops taking output (the reader of a pipe
/// went away) is dropped; the log still gets everything. Not thread-safe: one relay per run, on
/// the thread that waits for runc.
final class OutputRelay {
    struct Source {
        var descriptor: Int32
        var stream: ContainerLog.Stream
        /// Where the user sees it; -1 for nowhere (a detached container: the log only).
        var destination: Int32
    }

    private var sources: [Source]
    private let log: ContainerLog.Writer?
    private let runcLog: String
    private var loggedErrors: [String] = []
    private var loggedSize: off_t = -1
    /// Whether each stream's next byte starts a line.
    private var atLineStart: [ContainerLog.Stream: Bool] = [.stdout: true, .stderr: true]
    /// runc's fatal error, when it printed one.
    private(set) var runcFailure: String?

    init(sources: [Source], log: ContainerLog.Writer?, runcLog: String) {
        self.sources = sources
        self.log = log
        self.runcLog = runcLog
    }

    /// Relays until every source is at end of file (runc and the container have exited).
    func run() {
        ProcessCalls.ignore(SIGPIPE)  // a reader that went away is an EPIPE to drop, not our death
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !sources.isEmpty {
            for descriptor in StreamCalls.readable(sources.map(\.descriptor), milliseconds: -1) {
                guard let index = sources.firstIndex(where: { $0.descriptor == descriptor }) else { continue }
                let count = (try? StreamCalls.read(descriptor, into: &buffer)) ?? 0
                if count == 0 {
                    sources.remove(at: index)
                } else {
                    deliver(buffer[..<count], from: index)
                }
            }
        }
    }

    private func deliver(_ chunk: ArraySlice<UInt8>, from index: Int) {
        let stream = sources[index].stream
        var bytes = chunk
        if stream == .stderr && runcLoggedErrors() { bytes = withoutRuncFailure(chunk) }
        if let last = chunk.last { atLineStart[stream] = last == UInt8(ascii: "\n") }
        guard !bytes.isEmpty else { return }
        log?.append(bytes, from: stream)
        let destination = sources[index].destination
        guard destination >= 0 else { return }
        do {
            try MountCalls.writeAll(destination, Array(bytes))
        } catch {
            for position in sources.indices where sources[position].destination == destination {
                sources[position].destination = -1
            }
        }
    }

    /// `chunk` without the whole lines in it that runc logged as its error.
    private func withoutRuncFailure(_ chunk: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let newline = UInt8(ascii: "\n")
        let lines = chunk.split(separator: newline, omittingEmptySubsequences: false)
        var kept: [UInt8] = []
        for (position, line) in lines.enumerated() {
            guard position < lines.count - 1 else {
                kept += line  // after the last newline: no whole line
                break
            }
            let whole = position > 0 || atLineStart[.stderr] != false
            let text = String(decoding: line, as: UTF8.self)
            if whole && loggedErrors.contains(text) {
                runcFailure = text
            } else {
                kept += line + [newline]
            }
        }
        return kept[...]
    }

    /// Whether runc's log holds errors (read again only when it grew: runc logs an error before
    /// it prints the same line, so a line is never seen before its log entry).
    private func runcLoggedErrors() -> Bool {
        if let size = try? PosixCall.stat(runcLog).st_size, size != loggedSize {
            loggedSize = size
            loggedErrors = RuncMessage.errors(inLog: runcLog)
        }
        return !loggedErrors.isEmpty
    }
}
