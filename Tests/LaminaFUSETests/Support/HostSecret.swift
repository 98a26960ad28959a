import Foundation
import Testing

/// A file outside every layer holding text no layer holds, for tests that point symlinks, FIFOs
/// and forged indexes at the host: reads through a mount must show none of it.
struct HostSecret {
    /// The directory holding the file (`s`).
    let directory: String
    let text: String

    /// The file itself.
    var file: String { directory + "/s" }

    init(in scratch: ScratchDirectory) throws {
        directory = try scratch.directory("host")
        text = "host secret \(UInt64.random(in: 1...UInt64.max))"
        try text.write(toFile: directory + "/s", atomically: false, encoding: .utf8)
    }

    /// Reads each name under `mountpoint` with `cat`: none may hang, none may succeed, and none may
    /// show the secret.
    func expectUnreadable(_ names: [String], under mountpoint: String) throws {
        for name in names {
            let read = try Command.run("cat", [mountpoint + "/" + name], timeout: .seconds(20))
            #expect(!read.timedOut, "\(name): the read hung")
            #expect(!read.output.contains(text), "\(name) showed the host file")
            #expect(read.status != 0, "\(name) read as \(read.transcript)")
        }
    }
}
