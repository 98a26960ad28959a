import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Issue 12's figures: sequential throughput through each file system's transport, dd-like. One
/// lower layer holds one large file (1 GiB by default, made once under the cache directory); each
/// repetition mounts every variant afresh, drops the caches, reads that file to the end in 1 MiB
/// blocks, then writes a new file of the same size in 1 MiB blocks (`blockBytes`: small blocks
/// measure small writes, each one a request through FUSE) and closes it (no fsync: the
/// figure is the path from write(2) to the upper file system's page cache, where kernel overlayfs
/// ends too). Variants run interleaved, so a busy moment of the shared machine touches all of them.
///
/// Not thread-safe: one run owns it.
public struct ThroughputBenchmark {
    /// One way of mounting: an implementation, and `-o` options for its daemon.
    public struct Variant: Sendable {
        public var name: String
        public var implementation: Implementation
        public var daemonOptions: String?

        public init(name: String, implementation: Implementation, daemonOptions: String? = nil) {
            self.name = name
            self.implementation = implementation
            self.daemonOptions = daemonOptions
        }
    }

    /// What to measure, and where: file and block size, repetitions, the cache holding the lower
    /// file, the directory for mounts, the FUSE programs and the variants.
    public struct Configuration: Sendable {
        public var fileBytes = 1 << 30
        public var blockBytes = 1 << 20
        public var repetitions = 5
        public var cacheDirectory = "/var/cache/lamina-bench"
        public var workDirectory = "/tmp"
        public var programs: [Implementation: String] = [:]
        public var variants: [Variant] = ThroughputBenchmark.standardVariants

        public init() {}
    }

    /// Kernel overlayfs, fuse-overlayfs, and Lamina without passthrough, with it (`on`: upper
    /// files; lower files of writable mounts still through the daemon) and with `all`.
    public static let standardVariants: [Variant] = [
        Variant(name: "kernel-overlayfs", implementation: .kernel),
        Variant(name: "fuse-overlayfs", implementation: .fuseOverlayfs),
        Variant(name: "lamina passthrough=off", implementation: .lamina, daemonOptions: "passthrough=off"),
        Variant(name: "lamina passthrough=on", implementation: .lamina, daemonOptions: "passthrough=on"),
        Variant(name: "lamina passthrough=all", implementation: .lamina, daemonOptions: "passthrough=all"),
    ]

    /// What one variant measured: MB/s (10^6 bytes per second) per repetition.
    public struct Figure: Sendable {
        public var variant: String
        /// The daemon's own account of its transport (Lamina's "transport: ..." line), if it gave one.
        public var transport: String?
        public var readMegabytesPerSecond: [Double] = []
        public var writeMegabytesPerSecond: [Double] = []
        /// The daemon's CPU seconds per mount (read and write together).
        public var daemonCPUSeconds: [Double] = []
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs every repetition; variants that cannot be mounted are reported through `progress`
    /// once and left out.
    public func run(progress: (String) -> Void) throws -> [Figure] {
        let layer = try lowerLayer(progress: progress)
        let runDirectory = configuration.workDirectory + "/lamina-throughput-\(getpid())"
        try PosixCall.makeDirectory(runDirectory)
        defer { _ = try? FileTree.remove(runDirectory) }
        let mounter = OverlayMounter(runDirectory: runDirectory, programs: configuration.programs)
        var figures = configuration.variants.map { Figure(variant: $0.name) }
        var skipped = Set<String>()
        for repetition in 1...configuration.repetitions {
            for (index, variant) in configuration.variants.enumerated() where !skipped.contains(variant.name) {
                let mount: OverlayMount
                do {
                    mount = try mounter.mount(variant.implementation, lowers: [layer], daemonOptions: variant.daemonOptions)
                } catch {
                    progress("\(variant.name): skipped: \(error)")
                    skipped.insert(variant.name)
                    continue
                }
                if figures[index].transport == nil { figures[index].transport = mount.daemonTransport() }
                let (read, write) = try measure(on: mount.path)
                let usage = try mount.unmount()
                figures[index].readMegabytesPerSecond.append(read)
                figures[index].writeMegabytesPerSecond.append(write)
                if let usage { figures[index].daemonCPUSeconds.append(usage.cpuSeconds) }
                progress(String(format: "%@ #%d: read %.0f MB/s, write %.0f MB/s", variant.name, repetition, read, write))
            }
        }
        return figures.filter { !skipped.contains($0.variant) }
    }

    /// Reads the lower file to its end, then writes a new one, each cold; MB/s of both.
    private func measure(on merged: String) throws -> (Double, Double) {
        var block = [UInt8](repeating: 0, count: configuration.blockBytes)
        try PageCache.dropAll()
        let source = merged + "/seq.bin"
        let read = try StepTiming.measure {
            let descriptor = try PosixCall.open(source, flags: O_RDONLY)
            defer { PosixCall.close(descriptor) }
            let count = try PosixCall.readToEnd(descriptor, scratch: &block, path: source)
            guard count == configuration.fileBytes else {
                throw SystemError("read \(count) of \(configuration.fileBytes) bytes", errno: EIO, path: source)
            }
            return count
        }
        try PageCache.dropAll()
        let target = merged + "/written.bin"
        let write = try StepTiming.measure {
            let descriptor = try PosixCall.open(target, flags: O_WRONLY | O_CREAT | O_EXCL)
            defer { PosixCall.close(descriptor) }
            for _ in 0..<(configuration.fileBytes / configuration.blockBytes) {
                try PosixCall.writeAll(descriptor, block, path: target)
            }
            return configuration.fileBytes
        }
        let megabytes = Double(configuration.fileBytes) / 1e6
        return (megabytes / read.seconds, megabytes / write.seconds)
    }

    /// The one-file layer, made once (in a partial directory renamed into place when complete).
    private func lowerLayer(progress: (String) -> Void) throws -> String {
        let directory = configuration.cacheDirectory + "/throughput-\(configuration.fileBytes)"
        let layer = directory + "/layer"
        if (try? PosixCall.stat(layer + "/seq.bin"))?.st_size == off_t(configuration.fileBytes) { return layer }
        progress("writing the \(configuration.fileBytes >> 20) MiB lower file under \(directory)")
        let partial = directory + ".partial-\(getpid())"
        _ = try? FileTree.remove(partial)
        try FileManager.default.createDirectory(atPath: partial + "/layer", withIntermediateDirectories: true)
        let path = partial + "/layer/seq.bin"
        let descriptor = try PosixCall.open(path, flags: O_WRONLY | O_CREAT | O_EXCL)
        var random = SeededGenerator(seed: 12, stream: 0x5E0)
        var block = [UInt8](repeating: 0, count: configuration.blockBytes)
        do {
            defer { PosixCall.close(descriptor) }
            for _ in 0..<(configuration.fileBytes / configuration.blockBytes) {
                block.withUnsafeMutableBytes { bytes in
                    for index in stride(from: 0, to: bytes.count - 7, by: 8) {
                        bytes.storeBytes(of: random.next(), toByteOffset: index, as: UInt64.self)
                    }
                }
                try PosixCall.writeAll(descriptor, block, path: path)
            }
            try PosixCall.synchronize(descriptor, path: path)
        }
        _ = try? FileTree.remove(directory)
        try PosixCall.rename(partial, to: directory)
        return layer
    }

    /// A Markdown table: median MB/s with the range over repetitions, and the ratio of medians to
    /// kernel overlayfs's.
    public static func table(_ figures: [Figure]) -> String {
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        func cell(_ values: [Double]) -> String {
            String(format: "%.0f (%.0f–%.0f)", median(values), values.min() ?? 0, values.max() ?? 0)
        }
        let kernel = figures.first { $0.variant == "kernel-overlayfs" }
        func ratio(_ values: [Double], _ reference: [Double]?) -> String {
            guard let reference, median(reference) > 0 else { return "–" }
            return String(format: "%.2f×", median(values) / median(reference))
        }
        var lines = [
            "| variant | read MB/s median (min–max) | ÷kernel | write MB/s median (min–max) | ÷kernel | daemon CPU s per mount |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for figure in figures {
            let cpu = figure.daemonCPUSeconds.isEmpty ? "–" : String(format: "%.2f", median(figure.daemonCPUSeconds))
            lines.append("| \(figure.variant) | \(cell(figure.readMegabytesPerSecond)) | \(ratio(figure.readMegabytesPerSecond, kernel?.readMegabytesPerSecond)) | "
                + "\(cell(figure.writeMegabytesPerSecond)) | \(ratio(figure.writeMegabytesPerSecond, kernel?.writeMegabytesPerSecond)) | \(cpu) |")
        }
        let transports = figures.compactMap { figure in figure.transport.map { "- \(figure.variant): \($0)" } }
        if !transports.isEmpty { lines += ["", "Transport in use, as each Lamina daemon reported it:"] + transports }
        return lines.joined(separator: "\n") + "\n"
    }
}
