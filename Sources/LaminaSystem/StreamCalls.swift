import CLaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// The calls that move a container's output: read(2) of whatever a pipe holds, poll(2) for
/// input on several pipes, and a terminal's width (for a progress line that must not wrap).
///
/// Stateless namespace; safe from any thread.
public enum StreamCalls {
    /// read(2) into `buffer` (up to its size): what the descriptor has now (blocking until
    /// something arrives); 0 at end of file. EINTR is retried.
    public static func read(_ descriptor: Int32, into buffer: inout [UInt8]) throws(SystemError) -> Int {
        try retryingOnInterrupt("read") {
            buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        }
    }

    /// poll(2) for input: the descriptors of `descriptors` that can be read now (data, end of
    /// file or an error), waiting up to `milliseconds` (-1: until one is ready). A signal ends the
    /// wait early with nothing ready.
    public static func readable(_ descriptors: [Int32], milliseconds: Int32) -> [Int32] {
        var entries = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        guard Glibc.poll(&entries, nfds_t(entries.count), milliseconds) > 0 else { return [] }
        return entries.filter { $0.revents != 0 }.map(\.fd)
    }

    /// The width of the terminal on `descriptor`, nil when it is not a terminal.
    public static func terminalColumns(_ descriptor: Int32) -> Int? {
        let columns = clamina_terminal_columns(descriptor)
        return columns > 0 ? Int(columns) : nil
    }
}
