import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// The image's layers seen together, read-only, to tell an added path from a changed one and
/// to list what an opaque directory hides. Layers as the store keeps them (OCI `.wh.` files),
/// and kernel markers too.
///
/// Immutable value; every question reads the layers again.
struct LowerLayers {
    /// Layer roots, top-most first.
    let directories: [String]

    /// True when `path` (relative) exists in the image.
    func exists(_ path: String) -> Bool {
        let components = path.split(separator: "/").map(String.init)
        guard let name = components.last else { return true }
        // The top-most layer that names it decides; a whiteout there means it is deleted.
        for layer in layers(continuing: Array(components.dropLast())) {
            if isWhiteout(layer.path, name) { return false }
            if let info = try? PosixCall.lstat(layer.path + "/" + name) { return !Self.isDeviceWhiteout(info) }
        }
        return false
    }

    /// The names directory `path` holds in the image.
    func names(in path: String) -> Set<String> {
        var seen: Set<String> = []
        var hidden: Set<String> = []
        for layer in layers(continuing: path.split(separator: "/").map(String.init)) {
            var whiteouts: Set<String> = []
            for name in (try? MountCalls.directoryNames(layer.path)) ?? [] where name != ".wh..wh..opq" {
                if name.hasPrefix(".wh.") {
                    whiteouts.insert(String(name.dropFirst(4)))
                } else if let info = try? PosixCall.lstat(layer.path + "/" + name), Self.isDeviceWhiteout(info) {
                    whiteouts.insert(name)
                } else if !hidden.contains(name) {
                    seen.insert(name)
                }
            }
            hidden.formUnion(whiteouts)
            hidden.formUnion(seen)
        }
        return seen
    }

    /// The layers directory `components` is a directory in, top-most first, down to the first
    /// layer that makes it opaque; empty when it is not a directory of the image.
    private func layers(continuing components: [String]) -> [(path: String, opaque: Bool)] {
        var current = directories.map { (path: $0, opaque: false) }
        for name in components {
            var next: [(path: String, opaque: Bool)] = []
            for layer in current {
                if isWhiteout(layer.path, name) { break }
                let path = layer.path + "/" + name
                guard let info = try? PosixCall.lstat(path) else { continue }
                guard info.st_mode & S_IFMT == S_IFDIR else { break }
                let opaque = isOpaque(path)
                next.append((path, opaque))
                if opaque { break }
            }
            if next.isEmpty { return [] }
            current = next
        }
        return current
    }

    private func isWhiteout(_ directory: String, _ name: String) -> Bool {
        (try? PosixCall.lstat(directory + "/.wh." + name)) != nil
    }

    private func isOpaque(_ path: String) -> Bool {
        if (try? PosixCall.lstat(path + "/.wh..wh..opq")) != nil { return true }
        let directory = try? FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        defer { directory?.close() }
        return UpperLayerWalk.privatePrefixes.contains { prefix in
            ((try? directory?.extendedAttribute(prefix + "opaque")) ?? nil) == Array("y".utf8)
        }
    }

    static func isDeviceWhiteout(_ info: stat) -> Bool {
        info.st_mode & S_IFMT == S_IFCHR && info.st_rdev == 0
    }
}
