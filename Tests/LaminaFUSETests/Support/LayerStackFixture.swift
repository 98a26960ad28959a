import Foundation
import Glibc
import LaminaSystem

/// A layer stack built at run time: each layer is a shell script run (with `sh -eu`) in its own
/// empty directory, listed bottom-most first, the order in which images are built. After building,
/// every entry's mtime is set to `epoch`, so any time a scenario leaves is either that, one the
/// scenario chose (`touch -d`), or the clock's (see `ComparisonPolicy.TimeRule`).
struct LayerStackFixture: Sendable {
    static let epoch = Timestamp(seconds: 1_577_836_800, nanoseconds: 0)  // 2020-01-01T00:00:00Z

    var layers: [String]

    /// Builds the layers into `directory/0`, `directory/1`, ... (0 = bottom-most) and returns their
    /// paths top-most first, as overlayfs's `lowerdir` lists them.
    func build(in directory: String, tools: ScenarioTools) throws -> [String] {
        var paths: [String] = []
        for (index, script) in layers.enumerated() {
            let path = directory + "/\(index)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let result = try Command.run("/bin/sh", ["-euc", script], in: path, environment: tools.environment)
            guard result.status == 0 else { throw HarnessError("building layer \(index) failed:\n\(result.transcript)") }
            paths.append(path)
        }
        try Self.resetTimes(under: directory)
        return paths.reversed()
    }

    /// Sets the mtime and atime of `directory` and everything below it (symlinks themselves) to
    /// `epoch`, through descriptors (a tree may be deeper than PATH_MAX).
    static func resetTimes(under directory: String) throws {
        let root = try FileDescriptor.open(directory, flags: O_RDONLY | O_DIRECTORY)
        defer { root.close() }
        try resetTimes(in: root)
        try root.setTimes(of: ".", access: epochSpec, modification: epochSpec)
    }

    private static var epochSpec: timespec { timespec(tv_sec: epoch.seconds, tv_nsec: 0) }

    private static func resetTimes(in directory: FileDescriptor) throws {
        for record in try directory.directoryRecords() {
            var isDirectory = record.type == DT_DIR
            if record.type == DT_UNKNOWN { isDirectory = try directory.status(of: record.name).st_mode & S_IFMT == S_IFDIR }
            if isDirectory {
                let child = try directory.open(record.name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                defer { child.close() }
                try resetTimes(in: child)
            }
            try directory.setTimes(of: record.name, access: epochSpec, modification: epochSpec)
        }
    }

    /// `cp -a`: the same tree again (modes, owners, times, xattrs including `trusted.*`, hard links,
    /// device nodes), for the second mount (see `LayerCopy`).
    static func copy(_ source: String, to destination: String) throws {
        try LayerCopy.copy(source, to: destination)
    }
}
