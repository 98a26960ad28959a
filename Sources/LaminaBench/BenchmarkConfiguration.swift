import Foundation

/// Everything a benchmark run needs to know: which stacks, which implementations, which
/// workloads, how many repetitions and where to keep stacks and mounts.
public struct BenchmarkConfiguration: Sendable {
    public var layers: [Int]
    public var filesPerLayer: Int
    public var bigDirectoryEntries: Int
    public var bigFileBytes: Int
    public var seed: UInt64
    public var repetitions: Int
    public var workloads: [Workload]
    public var implementations: [Implementation]
    /// Program paths of the FUSE implementations.
    public var programs: [Implementation: String]
    /// `-o` options for every `lamina` mount (e.g. `uring=on`); nil: its defaults.
    public var laminaOptions: String? = nil
    /// `lamina` mounts read every layer through a layer index (`lowerindex=`), as `lamina mount`
    /// reads store layers; the indexes are built once per stack, beside its layers in the cache.
    public var laminaIndexes = false
    /// Where generated stacks are cached between runs.
    public var cacheDirectory: String
    /// Where mounts, upper and work directories are made (deleted at the end of the run).
    public var workDirectory: String
    public var statCount: Int
    public var createCount: Int
    public var unlinkCount: Int
    public var quick: Bool

    /// The full run of issue 5: 1, 10 and 100 layers of 500 files, a 20,000-entry directory and a
    /// 256 MiB file, five repetitions.
    public static func standard(programs: [Implementation: String]) -> BenchmarkConfiguration {
        BenchmarkConfiguration(
            layers: [1, 10, 100], filesPerLayer: 500, bigDirectoryEntries: 20_000, bigFileBytes: 256 << 20,
            seed: 1, repetitions: 5, workloads: Workload.allCases,
            implementations: Implementation.allCases.filter { $0 != .laminaBefore || programs[$0] != nil },
            programs: programs, cacheDirectory: "/var/cache/lamina-bench", workDirectory: "/tmp",
            statCount: 2_000, createCount: 5_000, unlinkCount: 1_000, quick: false)
    }

    /// A smoke run of about a minute: 1 and 10 layers, small stacks, two repetitions.
    public static func quick(programs: [Implementation: String]) -> BenchmarkConfiguration {
        var configuration = standard(programs: programs)
        configuration.layers = [1, 10]
        configuration.filesPerLayer = 100
        configuration.bigDirectoryEntries = 2_000
        configuration.bigFileBytes = 16 << 20
        configuration.repetitions = 2
        configuration.statCount = 500
        configuration.createCount = 300
        configuration.unlinkCount = 100
        configuration.quick = true
        return configuration
    }

    /// Where each FUSE implementation's program is by default: fuse-overlayfs from Debian, and
    /// lamina-overlayfs beside the running executable (/proc/self/exe's directory).
    /// An earlier lamina-overlayfs (`laminaBefore`) is measured only when given.
    public static func defaultPrograms(
        laminaOverlayfs: String? = nil, fuseOverlayfs: String? = nil, laminaBefore: String? = nil
    ) -> [Implementation: String] {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        let beside = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("lamina-overlayfs").path
        var programs: [Implementation: String] = [.fuseOverlayfs: fuseOverlayfs ?? "/usr/bin/fuse-overlayfs", .lamina: laminaOverlayfs ?? beside]
        programs[.laminaBefore] = laminaBefore
        return programs
    }

    func shape(layers: Int) -> StackShape {
        StackShape(layers: layers, filesPerLayer: filesPerLayer, bigDirectoryEntries: bigDirectoryEntries,
                   bigFileBytes: bigFileBytes, seed: seed)
    }
}
