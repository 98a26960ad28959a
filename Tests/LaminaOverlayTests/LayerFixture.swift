import Foundation
import Glibc
import LaminaSystem
import Logging
@testable import LaminaOverlay

/// A layer stack built at run time under a fresh temporary directory: lower layers `l0` (top-most)
/// ... `lN`, and `upper` + `work` for a writable mount. Paths given to the helpers are relative
/// to the fixture's root ("l0/a/b").
final class LayerFixture {
    let path: String
    let root: FileDescriptor
    let lowerCount: Int

    init(lowers: Int = 1) throws {
        let template = NSTemporaryDirectory() + "lamina-engine-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw SystemError.current("mkdtemp") }
        path = String(cString: made)
        root = try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY)
        lowerCount = lowers
        for index in 0..<lowers { try root.makeDirectory("l\(index)", mode: 0o755) }
        try root.makeDirectory("upper", mode: 0o755)
        try root.makeDirectory("work", mode: 0o755)
    }

    deinit {
        root.close()
        try? FileManager.default.removeItem(atPath: path)
    }

    var lowerPaths: [String] { (0..<lowerCount).map { "\(path)/l\($0)" } }

    func overlay(writable: Bool = true, markerNamespace: String? = nil, descriptorCeiling: Int? = nil) throws -> Overlay {
        let configuration = OverlayConfiguration(
            lowerDirectories: lowerPaths,
            upperDirectory: writable ? "\(path)/upper" : nil,
            workDirectory: writable ? "\(path)/work" : nil,
            markerNamespace: markerNamespace, descriptorCeiling: descriptorCeiling)
        return try Overlay(configuration: configuration, logger: Logger(label: "test"))
    }

    // MARK: Building layers

    func file(_ relative: String, _ contents: String = "", mode: mode_t = 0o644) throws {
        try parents(of: relative)
        let file = try root.open(relative, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        defer { file.close() }
        try file.write(Array(contents.utf8), at: 0)
        try file.setMode(mode)
    }

    /// Many empty files in one directory (made once), cheaply.
    func emptyFiles(in relative: String, _ names: [String]) throws {
        try directory(relative)
        let directory = try root.open(relative, flags: O_RDONLY | O_DIRECTORY)
        defer { directory.close() }
        for name in names { try directory.open(name, flags: O_WRONLY | O_CREAT, mode: 0o644).close() }
    }

    func directory(_ relative: String, mode: mode_t = 0o755) throws {
        try parents(of: relative)
        if try root.statusIfPresent(of: relative) == nil { try root.makeDirectory(relative, mode: mode) }
    }

    func symlink(_ relative: String, to target: String) throws {
        try parents(of: relative)
        try root.makeSymbolicLink(relative, target: Array(target.utf8))
    }

    func hardLink(_ existing: String, _ relative: String) throws {
        try parents(of: relative)
        try root.link(existing, to: root, relative)
    }

    func xattr(_ relative: String, _ name: String, _ value: String) throws {
        try root.setExtendedAttribute(name, value: Array(value.utf8), of: relative)
    }

    func deviceWhiteout(_ relative: String) throws {
        try parents(of: relative)
        try root.makeNode(relative, mode: S_IFCHR | 0o600, device: 0)
    }

    private func parents(of relative: String) throws {
        var components = relative.split(separator: "/").dropLast()
        var prefix = ""
        while !components.isEmpty {
            prefix += (prefix.isEmpty ? "" : "/") + components.removeFirst()
            if try root.statusIfPresent(of: prefix) == nil { try root.makeDirectory(prefix, mode: 0o755) }
        }
    }

    // MARK: Inspecting layers

    func contents(_ relative: String) throws -> String {
        let file = try root.open(relative, flags: O_RDONLY)
        defer { file.close() }
        return String(decoding: try file.read(count: 1 << 20, at: 0), as: UTF8.self)
    }

    func status(_ relative: String) throws -> stat? { try root.statusIfPresent(of: relative) }

    func attribute(_ relative: String, _ name: String) throws -> String? {
        try root.extendedAttribute(name, of: relative).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every entry under `relative` with its type, mode, owner, size, mtime, xattrs and bytes:
    /// equal snapshots mean nothing below changed.
    func snapshot(_ relative: String) throws -> [String] {
        var lines: [String] = []
        func walk(_ path: String) throws {
            guard let status = try root.statusIfPresent(of: path) else { return }
            var line = "\(path) \(status.st_mode) \(status.st_uid):\(status.st_gid) \(status.st_size) "
                + "\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec) \(status.st_ino) \(status.st_nlink)"
            for name in try root.extendedAttributeNames(of: path).sorted() {
                line += " \(name)=\(try attribute(path, name) ?? "")"
            }
            switch status.st_mode & S_IFMT {
            case S_IFREG: line += " " + (try contents(path))
            case S_IFLNK: line += " -> " + String(decoding: try root.readSymbolicLink(path), as: UTF8.self)
            case S_IFDIR:
                let directory = try root.open(path, flags: O_RDONLY | O_DIRECTORY)
                defer { directory.close() }
                for record in try directory.directoryRecords().sorted(by: { $0.name < $1.name }) {
                    try walk(path + "/" + record.name.description)
                }
            default: break
            }
            lines.append(line)
        }
        try walk(relative)
        return lines
    }
}

/// The root caller: files it makes are owned by uid/gid 0 (tests run as root).
let rootCaller = Caller(uid: 0, gid: 0, umask: 0o022)

extension Overlay {
    /// Looks up a slash-separated path from the root, one component at a time.
    func entry(_ path: String) throws -> Entry {
        var current = Entry(node: Overlay.rootNode, generation: 0, attributes: try attributes(of: Overlay.rootNode),
                            immutable: false)
        for component in path.split(separator: "/") {
            current = try lookup(parent: current.node, name: String(component))
        }
        return current
    }

    func node(_ path: String) throws -> NodeID { try entry(path).node }

    /// The names of a merged directory (without "." and ".."), sorted.
    func names(_ path: String) throws -> [String] {
        try listing(path).map(\.name).filter { !$0.isDotOrDotDot }.map(\.description).sorted()
    }

    /// The full listing of a merged directory, read in one call.
    func listing(_ path: String) throws -> [DirectoryEntry] {
        let directory = try openDirectory(path.isEmpty ? Overlay.rootNode : node(path))
        defer { releaseDirectory(directory.handle) }
        return Array(try directoryEntries(directory.handle, from: 0))
    }

    /// The whole contents of a merged file.
    func read(_ path: String) throws -> String {
        let file = try open(node(path), flags: O_RDONLY)
        defer { release(file.handle) }
        let descriptor = FileDescriptor(rawValue: try descriptor(for: file.handle))
        return String(decoding: try descriptor.read(count: 1 << 20, at: 0), as: UTF8.self)
    }

    /// Replaces a merged file's contents (copying it up).
    func write(_ path: String, _ contents: String) throws {
        let file = try open(node(path), flags: O_WRONLY | O_TRUNC)
        defer { release(file.handle) }
        try FileDescriptor(rawValue: descriptor(for: file.handle)).write(Array(contents.utf8), at: 0)
    }

    /// The errno a throwing call fails with (0 when it succeeds).
    func errno(_ body: () throws -> Void) -> Int32 {
        do {
            try body()
            return 0
        } catch let error as SystemError {
            return error.errno
        } catch {
            return -1
        }
    }
}
