import ArgumentParser
import Foundation
import LaminaBench
import Logging

/// `lamina bench`: mounts one generated layer stack under Lamina, kernel overlayfs and
/// fuse-overlayfs and times the same workloads on each (see docs/performance.md).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark Lamina beside kernel overlayfs and fuse-overlayfs on generated layer stacks.",
        discussion: "Figures: " + Workload.allCases.flatMap(\.figures).joined(separator: ", ")
            + ". Needs root: it mounts overlays and drops the page cache before cold runs.")

    @Flag(help: "A smoke run of about a minute: 1 and 10 small layers, two repetitions.")
    var quick = false

    @Option(help: "Layer counts, comma-separated (default 1,10,100; --quick 1,10).")
    var layers: String?

    @Option(help: "Repetitions of each workload (default 5; --quick 2).")
    var repetitions: Int?

    @Option(help: "Files each layer adds (default 500; --quick 100).")
    var filesPerLayer: Int?

    @Option(help: "Run only these workloads or figures, comma-separated (e.g. walk,stat-missing).")
    var only: String?

    @Option(help: "Implementations to measure, comma-separated: kernel-overlayfs, fuse-overlayfs, lamina, lamina-before.")
    var implementations: String?

    @Option(help: "Seed of the generated stacks and of the sampled names.")
    var seed: UInt64 = 1

    @Option(help: "Where generated stacks are cached between runs.")
    var cache: String = "/var/cache/lamina-bench"

    @Option(help: "Where mounts and upper/work directories are made during the run.")
    var workDirectory: String = "/tmp"

    @Option(help: "The lamina-overlayfs program (default: beside this lamina binary).")
    var laminaOverlayfs: String?

    @Option(help: "An earlier lamina-overlayfs build to measure beside this one in the same run (the table adds Lamina ÷ before).")
    var laminaBefore: String?

    @Option(help: "Extra -o options for every lamina mount (e.g. uring=on); with --throughput, lamina passthrough=off and on are measured again with them.")
    var laminaOptions: String?

    @Flag(help: "lamina mounts read every layer through a layer index (lowerindex=), as lamina mount reads store layers; the indexes are built once per stack, beside its layers in --cache.")
    var laminaIndexes = false

    @Option(help: "The fuse-overlayfs program.")
    var fuseOverlayfs: String = "/usr/bin/fuse-overlayfs"

    @Option(help: "Write the report as JSON to this file.")
    var json: String?

    @Option(help: "Write an SVG chart (time against layer count per figure) to this file.")
    var chart: String?

    @Flag(help: "Instead: full against lazy pull of a zstd:chunked image over a loopback registry throttled by a proxy.")
    var lazyPull = false

    @Option(help: "--lazy-pull: the link's speed in MB/s (default 8).")
    var linkSpeed: Double = 8

    @Option(help: "--lazy-pull: MB of files in the image (default 160; the large file is 40 of them).")
    var imageSize: Int = 160

    @Flag(help: "Instead: sequential read of a large lower file and write of a new one, dd-like in 1 MiB blocks (--throughput-block), under kernel overlayfs, fuse-overlayfs and Lamina with passthrough off, on and all.")
    var throughput = false

    @Option(help: "--throughput: the file size in MiB (default 1024).")
    var throughputSize: Int = 1024

    @Option(help: "--throughput: the block size of each read(2) and write(2) in KiB (default 1024; 4 measures small writes, where each is a request).")
    var throughputBlock: Int = 1024

    @Option(help: "Instead: what reading a layer through this layer index file costs (open, lookups, listing).")
    var layerIndex: String?

    func run() throws {
        if lazyPull { return try runLazyPull() }
        if throughput { return try runThroughput() }
        if let layerIndex {
            let figures = try LayerIndexProbe(path: layerIndex, repetitions: repetitions ?? 11).run()
            print("\(layerIndex): \(figures.bytes) bytes, \(figures.names) names in \(figures.directories) directories")
            print(String(format: "open and check: %.1f µs; lookup hit: %.0f ns; lookup miss: %.0f ns; listing: %.0f ns per entry",
                         figures.openMicroseconds, figures.hitNanoseconds, figures.missNanoseconds, figures.listingNanosecondsPerEntry))
            return
        }
        let programs = BenchmarkConfiguration.defaultPrograms(
            laminaOverlayfs: laminaOverlayfs, fuseOverlayfs: fuseOverlayfs, laminaBefore: laminaBefore)
        var configuration = quick ? BenchmarkConfiguration.quick(programs: programs)
            : BenchmarkConfiguration.standard(programs: programs)
        if let layers {
            configuration.layers = try Self.list(layers, "--layers") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
        }
        if let repetitions {
            guard repetitions > 0 else { throw ValidationError("--repetitions must be at least 1") }
            configuration.repetitions = repetitions
        }
        if let filesPerLayer {
            guard filesPerLayer > 0 else { throw ValidationError("--files-per-layer must be at least 1") }
            configuration.filesPerLayer = filesPerLayer
        }
        if let only {
            let chosen = try Self.list(only, "--only") { Workload.reporting($0) }
            configuration.workloads = Workload.allCases.filter(chosen.contains)
        }
        if let implementations {
            configuration.implementations = try Self.list(implementations, "--implementations") { name in
                Implementation(rawValue: name) ?? (name == "kernel" ? .kernel : nil)
            }
        }
        configuration.seed = seed
        configuration.laminaOptions = laminaOptions
        configuration.laminaIndexes = laminaIndexes
        configuration.cacheDirectory = cache
        configuration.workDirectory = workDirectory

        let logger = Logger(label: "lamina.bench")
        let benchmark = Benchmark(configuration: configuration, logger: logger) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let report = try benchmark.run()
        print(report.table(), terminator: "")
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        }
        if let chart {
            try Data(report.chart().utf8).write(to: URL(fileURLWithPath: chart))
        }
    }

    /// Issue 12's figures: sequential throughput per transport (`ThroughputBenchmark`).
    func runThroughput() throws {
        guard throughputSize > 0 else { throw ValidationError("--throughput-size must be at least 1") }
        var configuration = ThroughputBenchmark.Configuration()
        guard throughputBlock > 0, throughputBlock <= throughputSize << 10, (throughputSize << 10) % throughputBlock == 0 else {
            throw ValidationError("--throughput-block must be at least 1 and divide --throughput-size")
        }
        configuration.fileBytes = throughputSize << 20
        configuration.blockBytes = throughputBlock << 10
        configuration.repetitions = repetitions ?? 5
        configuration.cacheDirectory = cache
        configuration.workDirectory = workDirectory
        configuration.programs = BenchmarkConfiguration.defaultPrograms(laminaOverlayfs: laminaOverlayfs, fuseOverlayfs: fuseOverlayfs)
        if let laminaOptions {
            for passthrough in ["off", "on"] {
                let options = "passthrough=\(passthrough),\(laminaOptions)"
                configuration.variants.append(.init(name: "lamina \(options)", implementation: .lamina, daemonOptions: options))
            }
        }
        let figures = try ThroughputBenchmark(configuration: configuration).run { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print(ThroughputBenchmark.table(figures), terminator: "")
    }

    /// Issue 11's figures: time to the command's file and bytes over the link, full against lazy.
    func runLazyPull() throws {
        var configuration = LazyPullBenchmark.Configuration()
        configuration.workDirectory = workDirectory
        configuration.bytesPerSecond = linkSpeed * 1_000_000
        configuration.dataBytes = imageSize * 1_000_000
        configuration.largeFileBytes = min(40_000_000, configuration.dataBytes / 4)
        configuration.repetitions = repetitions ?? 1
        configuration.laminaExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let benchmark = LazyPullBenchmark(configuration: configuration)
        let figures = try benchmark.run { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        print(LazyPullBenchmark.table(figures, configuration: configuration))
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(figures).write(to: URL(fileURLWithPath: json))
        }
    }

    /// A comma-separated list, each item converted by `parse`, or one clear error naming the bad item.
    static func list<T>(_ text: String, _ option: String, _ parse: (String) -> T?) throws -> [T] {
        try text.split(separator: ",").map { item in
            let name = item.trimmingCharacters(in: .whitespaces)
            guard let value = parse(name) else { throw ValidationError("\(option): unknown value '\(name)'") }
            return value
        }
    }
}
