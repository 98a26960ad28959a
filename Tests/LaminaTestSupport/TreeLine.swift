import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// One entry of a directory tree, by bytes: its names from the tree's root, its kind (`d`, `f`,
/// `l`, `c` major:minor, `o`), and a file's data or a link's target. Trees compared as arrays of
/// these compare names byte for byte (a `String` would take NFC and NFD spellings as equal).
public struct TreeLine: Comparable, Sendable, CustomStringConvertible {
    public var path: [[UInt8]]
    public var kind: String
    public var data: [UInt8]

    public init(path: [[UInt8]], kind: String, data: [UInt8] = []) {
        self.path = path
        self.kind = kind
        self.data = data
    }

    public static func < (left: TreeLine, right: TreeLine) -> Bool {
        left.path.lexicographicallyPrecedes(right.path) { $0.lexicographicallyPrecedes($1) }
    }

    public var description: String {
        path.map { ByteText.unambiguous($0) }.joined(separator: "/") + " " + kind + " " + ByteText.unambiguous(data)
    }

    /// The entries named `tops` (all when nil) in the host directory `root` and everything below
    /// them, sorted; each directory is read through its open descriptor, so no depth is too deep.
    public static func tree(_ root: String, tops: [[UInt8]]? = nil) throws -> [TreeLine] {
        let top = try FileDescriptor.open(root, flags: O_RDONLY | O_DIRECTORY)
        defer { top.close() }
        var lines: [TreeLine] = []
        func visit(_ directory: FileDescriptor, _ name: FileName, _ path: [[UInt8]]) throws {
            let status = try directory.status(of: name)
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                lines.append(TreeLine(path: path, kind: "d"))
                let child = try directory.open(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                defer { child.close() }
                for record in try child.directoryRecords() { try visit(child, record.name, path + [record.name.bytes]) }
            case S_IFREG:
                let file = try directory.open(name, flags: O_RDONLY | O_NOFOLLOW)
                defer { file.close() }
                lines.append(TreeLine(path: path, kind: "f", data: try file.read(count: Int(status.st_size), at: 0)))
            case S_IFLNK:
                lines.append(TreeLine(path: path, kind: "l", data: try directory.readSymbolicLink(name)))
            case S_IFCHR:
                lines.append(TreeLine(path: path, kind: "c\(DeviceNumber.major(status.st_rdev)):\(DeviceNumber.minor(status.st_rdev))"))
            default:
                lines.append(TreeLine(path: path, kind: "o"))
            }
        }
        let names = try tops?.compactMap { FileName(bytes: $0) } ?? top.directoryRecords().map(\.name)
        for name in names where try top.statusIfPresent(of: name) != nil {
            try visit(top, name, [name.bytes])
        }
        return lines.sorted()
    }
}
