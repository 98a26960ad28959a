import Foundation
import Glibc

/// What a daemon's descriptors are open on, from /proc/PID/fd (each followed with stat): the chaos
/// test's proof that nothing leaks. Directory handles are the engine's cache (bounded, one per
/// directory of a layer at most); regular files are what a leak would be (a file handle or an
/// unlinked-while-open file's descriptor kept after its last close).
struct DaemonDescriptors: CustomStringConvertible {
    var directories = 0
    var regularFiles = 0
    var other = 0
    var targets: [String] = []

    init(pid: Int32) {
        let directory = "/proc/\(pid)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for entry in entries.sorted(by: { (Int($0) ?? 0) < (Int($1) ?? 0) }) {
            let path = directory + "/" + entry
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: directories += 1
            case S_IFREG: regularFiles += 1
            default: other += 1
            }
            targets.append("  \(entry) -> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"))
        }
    }

    var total: Int { directories + regularFiles + other }

    var description: String {
        "\(total) (\(directories) directories, \(regularFiles) regular files, \(other) other)"
    }

    /// Directories under `roots` (each root included): the most directory handles the engine can
    /// hold for those layers.
    static func directoryCount(under roots: [String]) -> Int {
        roots.reduce(0) { count, root in
            count + ByteTreeSnapshot.capture(root).entries.values.filter { $0.kind == .directory }.count
        }
    }
}
