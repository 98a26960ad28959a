import Foundation
import LaminaSystem

/// The mounts the kernel reports for this process (/proc/self/mountinfo): used to wait for a FUSE
/// daemon's mount to appear and to make sure a test leaves none behind.
enum MountInfo {
    struct Mount: Equatable {
        let mountpoint: String
        let type: String
    }

    static func current() -> [Mount] {
        // Read as bytes: a mount elsewhere on the host (another test's, or the host's) may hold bytes
        // that are not UTF-8, and a strict decode would then hide every mount, ours included. Read
        // again if the read fails: with a hundred suites at once the test process can run out of
        // descriptors for a moment, and an empty table made a live mount look absent (a CI run
        // found none at all, then wrote through the mount).
        var bytes: [UInt8]?
        for attempt in 1...5 {
            do {
                bytes = try MountCalls.readFile("/proc/self/mountinfo")
                break
            } catch {
                FileHandle.standardError.write(Data("MountInfo: reading /proc/self/mountinfo, attempt \(attempt): \(error)\n".utf8))
                usleep(50_000)
            }
        }
        guard let bytes else { return [] }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
            let halves = line.components(separatedBy: " - ")
            let fields = halves[0].split(separator: " ")
            guard halves.count == 2, fields.count >= 5, let type = halves[1].split(separator: " ").first else {
                return nil
            }
            return Mount(mountpoint: unescape(String(fields[4])), type: String(type))
        }
    }

    static func mount(at path: String) -> Mount? {
        current().last { $0.mountpoint == path }
    }

    /// Detaches every mount at or below `directory`, deepest first. The safety net behind each
    /// test's own unmounting: a failed test must not leave a mount for the next one.
    static func detachAll(under directory: String) {
        let mine = current().map(\.mountpoint).filter { $0 == directory || $0.hasPrefix(directory + "/") }
        for mountpoint in mine.sorted(by: { $0.count > $1.count }) {
            try? KernelMount.unmount(mountpoint, detach: true)
        }
    }

    /// mountinfo writes space, tab, newline and backslash as three octal digits after a backslash.
    private static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var bytes: [UInt8] = []
        var characters = Array(field.utf8)[...]
        while let byte = characters.popFirst() {
            if byte == UInt8(ascii: "\\"), characters.count >= 3,
                let value = UInt8(String(decoding: characters.prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                characters = characters.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
