import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Whole-tree operations done the way `rm -r` and `mkdir -p` do them, through `PosixCall`.
enum FileTree {
    /// Removes `path` and everything under it; returns the number of entries removed.
    @discardableResult
    static func remove(_ path: String) throws(SystemError) -> Int {
        let status = try PosixCall.lstat(path)
        guard status.st_mode & S_IFMT == S_IFDIR else {
            try PosixCall.unlink(path)
            return 1
        }
        var removed = 0
        let stream = try DirectoryStream(path)
        while let entry = try stream.next() {
            let child = path + "/" + entry.name
            if entry.type == UInt8(DT_DIR) {
                removed += try remove(child)
            } else if entry.type == UInt8(DT_UNKNOWN) {
                removed += try remove(child)
            } else {
                try PosixCall.unlink(child)
                removed += 1
            }
        }
        try PosixCall.removeDirectory(path)
        return removed + 1
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws(SystemError) {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            do {
                try PosixCall.makeDirectory(current)
            } catch where error.errno == EEXIST {
                continue
            }
        }
    }

    /// Walks `path` with an lstat of every entry, as `find -ls` does; returns the entries seen.
    static func walk(_ path: String) throws(SystemError) -> Int {
        var seen = 0
        let stream = try DirectoryStream(path)
        while let entry = try stream.next() {
            let status = try stream.lstat(entry.name)
            seen += 1
            if status.st_mode & S_IFMT == S_IFDIR {
                seen += try walk(path + "/" + entry.name)
            }
        }
        return seen
    }
}
