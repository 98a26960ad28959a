import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Resolves a path the way a process inside the container would see it: symbolic links are
/// followed, but an absolute target or `..` never leaves the container's root.
///
/// Used before the container starts, to check that its command exists and to read its
/// /etc/passwd. Stateless namespace.
enum RootfsPath {
    /// The host path of `path` inside `root`, with every symbolic link resolved; nil when some
    /// component does not exist (or the links loop).
    static func resolve(_ path: String, in root: String) -> String? {
        var pending = path.split(separator: "/").map(String.init)
        var resolved: [String] = []
        var links = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let host = root + "/" + (resolved + [component]).joined(separator: "/")
            guard let info = try? PosixCall.lstat(host) else { return nil }
            guard info.st_mode & S_IFMT == S_IFLNK else {
                resolved.append(component)
                continue
            }
            links += 1
            guard links <= 40, let directory = try? MountCalls.openDirectory(root + "/" + resolved.joined(separator: "/")) else {
                return nil
            }
            let target = try? FileDescriptor(rawValue: directory).readSymbolicLink(component)
            MountCalls.close(directory)
            guard let target else { return nil }
            let text = String(decoding: target, as: UTF8.self)
            if text.hasPrefix("/") { resolved = [] }
            pending = text.split(separator: "/").map(String.init) + pending
        }
        return root + "/" + resolved.joined(separator: "/")
    }

    /// True when `path` in `root` is (or links to) an executable regular file.
    static func isExecutable(_ path: String, in root: String) -> Bool {
        guard let host = resolve(path, in: root), let info = try? PosixCall.lstat(host) else { return false }
        return info.st_mode & S_IFMT == S_IFREG && info.st_mode & 0o111 != 0
    }

    /// The text of a small file inside `root`, or nil.
    static func contents(_ path: String, in root: String) -> String? {
        guard let host = resolve(path, in: root), let bytes = try? MountCalls.readFile(host) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension RootfsPath {
    /// Creates `path` inside `root` (and missing parents), each new directory made inside an
    /// already resolved one, so a symbolic link in the image can never send it outside the root.
    static func makeDirectories(_ path: String, in root: String, mode: mode_t = 0o755) throws(RuntimeError) {
        var prefix = ""
        for component in path.split(separator: "/") where component != "." {
            let next = prefix + "/" + component
            if resolve(next, in: root) == nil {
                guard component != "..", let parent = resolve(prefix, in: root) else {
                    throw .invalidArgument("cannot create \(path) in the container")
                }
                try RuntimeError.system { () throws(SystemError) in
                    try PosixCall.makeDirectory(parent + "/" + component, mode: mode)
                }
            }
            prefix = next
        }
    }
}
