import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension ContainerStore {
    /// `lamina logs`: hands `body` the container's log records, the last `tail` lines of them
    /// (nil: all). With `follow`, keeps handing it new records as they are written, until the
    /// process that writes them (the container's monitor) is gone and the log is read to its end.
    public func logs(
        _ text: String, tail: Int? = nil, follow: Bool = false, _ body: ([ContainerLog.Record]) -> Void
    ) throws(RuntimeError) {
        let record = try find(text)
        let path = logPath(record.id)
        var reader = ContainerLog.Reader()
        var offset: off_t = 0
        /// The records written since the last call.
        func readMore() -> [ContainerLog.Record] {
            guard let file = try? FileDescriptor.open(path, flags: O_RDONLY) else { return [] }
            defer { file.close() }
            var records: [ContainerLog.Record] = []
            while let bytes = try? file.read(count: 1 << 20, at: offset), !bytes.isEmpty {
                offset += off_t(bytes.count)
                records += reader.feed(bytes)
            }
            return records
        }
        let first = readMore()
        body(Array(tail.map { ContainerLog.tail(first, lines: $0) } ?? first[...]))
        guard follow else { return }
        while true {
            // The monitor writes the log; once it is gone nothing more comes.
            let writing = read(record.id)?.monitor?.isAlive ?? false
            let records = readMore()
            if !records.isEmpty { body(records) }
            if !writing { return }
            usleep(100_000)
        }
    }
}
