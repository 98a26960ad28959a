import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// A container's output as `containers/ID/container.log` keeps it: one record a line in the CRI
/// log format (the one podman's k8s-file driver writes), `TIMESTAMP STREAM TAG CONTENT`, so
/// standard output and error stay apart and in the order they arrived. TAG `F` ends a line of
/// the container's; `P` is part of a line that the next record of the same stream continues.
/// CONTENT is the container's bytes as written, without the newline.
///
/// https://github.com/kubernetes/design-proposals-archive/blob/main/node/kubelet-cri-logging.md
/// Stateless namespace; `Writer` and `Reader` are the two ends.
public enum ContainerLog {
    /// Which of the container's descriptors a record came from.
    public enum Stream: String, Sendable {
        case stdout, stderr
    }

    /// One record: a line of the container's, or part of one.
    public struct Record: Sendable, Equatable {
        public var timestamp: String
        public var stream: Stream
        public var content: [UInt8]
        /// True when the container ended the line here (`F`).
        public var endsLine: Bool
    }

    /// Appends records to a log file; each record is one write(2) on an `O_APPEND` descriptor, so
    /// a reader never sees half of one. Not thread-safe: one relay writes a log.
    final class Writer {
        private let descriptor: Int32

        init(path: String) throws(RuntimeError) {
            descriptor = try RuntimeError.system { () throws(SystemError) in try MountCalls.openForAppending(path) }
        }

        deinit {
            MountCalls.close(descriptor)
        }

        /// Adds a line of lamina's own on standard error (why the process never started).
        static func note(_ line: String, in path: String) {
            (try? Writer(path: path))?.append(Array("lamina: \(line)\n".utf8)[...], from: .stderr)
        }

        /// Records a chunk the container wrote on `stream`: one record per line in it, the
        /// unfinished end of it as a `P` record.
        func append(_ bytes: ArraySlice<UInt8>, from stream: Stream) {
            guard !bytes.isEmpty else { return }
            let prefix = Array((ContainerLog.timestamp() + " " + stream.rawValue + " ").utf8)
            let (newline, space, full, partial) = (UInt8(ascii: "\n"), UInt8(ascii: " "), UInt8(ascii: "F"), UInt8(ascii: "P"))
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + 64 * (prefix.count + 3))
            var start = bytes.startIndex
            while start < bytes.endIndex {
                let end = bytes[start...].firstIndex(of: newline)
                output.append(contentsOf: prefix)
                output.append(end == nil ? partial : full)
                output.append(space)
                output.append(contentsOf: bytes[start..<(end ?? bytes.endIndex)])
                output.append(newline)
                start = end.map { $0 + 1 } ?? bytes.endIndex
            }
            try? MountCalls.writeAll(descriptor, output)
        }
    }

    /// Turns the bytes of a log file, fed in any pieces, into records. Only whole record lines
    /// are parsed; a record still being written waits for the next feed. A plain value.
    public struct Reader: Sendable {
        private var pending: [UInt8] = []

        public init() {}

        /// The records completed by `bytes`; a line that is not a record (a log of an older
        /// Lamina held the raw output) is shown as standard output.
        public mutating func feed(_ bytes: [UInt8]) -> [Record] {
            pending += bytes
            guard let last = pending.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
            let complete = pending[..<last]
            pending.removeSubrange(...last)
            return complete.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Self.parse)
        }

        static func parse(_ line: ArraySlice<UInt8>) -> Record {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 3, omittingEmptySubsequences: false)
            if fields.count >= 3, let stream = Stream(rawValue: String(decoding: fields[1], as: UTF8.self)),
               fields[2] == [UInt8(ascii: "F")] || fields[2] == [UInt8(ascii: "P")] {
                return Record(
                    timestamp: String(decoding: fields[0], as: UTF8.self), stream: stream,
                    content: fields.count == 4 ? Array(fields[3]) : [], endsLine: fields[2] == [UInt8(ascii: "F")])
            }
            return Record(timestamp: "", stream: .stdout, content: Array(line), endsLine: true)
        }
    }

    /// The last `count` lines of `records` (a line: the records up to one that ends it; an
    /// unfinished one at the end counts too).
    public static func tail(_ records: [Record], lines count: Int) -> ArraySlice<Record> {
        guard count >= 0 else { return records[...] }
        var seen = 0
        var start = records.endIndex
        while start > records.startIndex {
            let previous = records[start - 1]
            if previous.endsLine || start == records.endIndex {
                if seen == count { break }
                seen += 1
            }
            start -= 1
        }
        return records[start...]
    }

    /// Now in RFC 3339 with nanoseconds, UTC, as CRI logs stamp records.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let nanoseconds = String(now.tv_nsec)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 9 - nanoseconds.count) + nanoseconds + "Z"
    }
}
