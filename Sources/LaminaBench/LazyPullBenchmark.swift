import Dispatch
import Foundation
import LaminaImage
import LaminaLazy
import LaminaSystem
import Logging
import Synchronization

/// Why the lazy-pull benchmark could not run: one line.
public struct LazyBenchmarkFailure: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Issue 11's measurement: over a loopback registry throttled to a slow link (a `ThrottlingProxy`),
/// an image of `dataBytes` of files plus a small file a command reads, pulled whole against pulled
/// lazily, each through the real commands: the time from `lamina image pull` until
/// `lamina run --rm IMAGE cat /etc/message` has printed it, and the bytes that crossed the link;
/// then a container reading the large file of the lazily pulled image against a full pull of an
/// image holding just that file and the same container.
///
/// The image is zstd:chunked (written by `lamina image convert`) and pushed with skopeo to Debian's
/// docker-registry; each scenario uses a fresh store. Not thread-safe: one run at a time.
public struct LazyPullBenchmark {
    public struct Configuration: Sendable {
        public var workDirectory = "/tmp"
        public var bytesPerSecond: Double = 8_000_000
        /// All files of the image, the large one included.
        public var dataBytes = 160_000_000
        public var largeFileBytes = 40_000_000
        public var repetitions = 1
        /// The `lamina` binary the commands run (the one running the benchmark).
        public var laminaExecutable = "/proc/self/exe"
        public init() {}
    }

    /// One scenario's figures (medians over the repetitions).
    public struct Figure: Codable, Sendable {
        public var scenario: String
        public var seconds: Double
        public var bytes: UInt64
    }

    public let configuration: Configuration
    let logger = Logger(label: "lamina.bench.lazy")

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func run(progress: (String) -> Void) throws -> [Figure] {
        let work = configuration.workDirectory + "/lamina-lazybench-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: work + "/registry", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        progress("building the image (\(configuration.dataBytes / 1_000_000) MB of files)")
        let source = try ImageStore(root: work + "/source")
        try LazyBenchImage.make(store: source, work: work, configuration: configuration)
        let registry = try BenchRegistry(directory: work + "/registry")
        defer { registry.stop() }
        for name in ["bench:all", "bench:large"] {
            try LazyBenchImage.push(source, name, to: "127.0.0.1:\(registry.port)/lamina/\(name)")
        }
        let proxy = try ThrottlingProxy(upstreamPort: registry.port, bytesPerSecond: configuration.bytesPerSecond)
        defer { proxy.stop() }
        let host = "127.0.0.1:\(proxy.port)/lamina/"
        var samples: [String: [(Double, UInt64)]] = [:]
        for repetition in 0..<configuration.repetitions {
            let prefix = work + "/run-\(repetition)"
            progress("repetition \(repetition + 1): full pull, then run")
            samples["full pull, read small file", default: []].append(try measure(proxy) {
                try pullAndRun(store: prefix + "-full", lazy: false, host + "bench:all", "/etc/message", expecting: LazyBenchImage.message)
            })
            progress("repetition \(repetition + 1): lazy pull, then run")
            samples["lazy pull, read small file", default: []].append(try measure(proxy) {
                try pullAndRun(store: prefix + "-lazy", lazy: true, host + "bench:all", "/etc/message", expecting: LazyBenchImage.message)
            })
            progress("repetition \(repetition + 1): lazy read of the large file")
            samples["lazy read of the large file", default: []].append(try measure(proxy) {
                try runCommand(store: prefix + "-lazy", host + "bench:all", "/data/large")
            })
            progress("repetition \(repetition + 1): full pull of the large file, then run")
            samples["full pull of the large file", default: []].append(try measure(proxy) {
                try pullAndRun(store: prefix + "-large", lazy: false, host + "bench:large", "/data/large", expecting: nil)
            })
            for suffix in ["-full", "-lazy", "-large"] { try? FileManager.default.removeItem(atPath: prefix + suffix) }
        }
        let order = ["full pull, read small file", "lazy pull, read small file", "full pull of the large file", "lazy read of the large file"]
        return order.compactMap { scenario in
            guard let values = samples[scenario], !values.isEmpty else { return nil }
            let sorted = values.sorted { $0.0 < $1.0 }
            let median = sorted[sorted.count / 2]
            return Figure(scenario: scenario, seconds: median.0, bytes: median.1)
        }
    }

    /// Seconds `body` takes and bytes the proxy passed meanwhile.
    private func measure(_ proxy: ThrottlingProxy, _ body: () throws -> Void) throws -> (Double, UInt64) {
        proxy.resetCounters()
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, proxy.counters.downloaded)
    }

    /// `lamina image pull [--lazy] IMAGE` into `store`, then `runCommand`.
    private func pullAndRun(store: String, lazy: Bool, _ image: String, _ path: String, expecting: String?) throws {
        try lamina(["image", "pull", "--store", store] + (lazy ? ["--lazy"] : []) + [image])
        try runCommand(store: store, image, path, expecting: expecting)
    }

    /// `lamina run --rm IMAGE cat PATH` in `store`: the container reads the whole file; with
    /// `expecting`, its output must be that text.
    private func runCommand(store: String, _ image: String, _ path: String, expecting: String? = nil) throws {
        let output = try lamina(["run", "--store", store, "--rm", "--pull", "never", image, "sh", "-c", "cat \(path) | wc -c; cat \(path) | head -c 200"])
        let text = output.split(separator: "\n", maxSplits: 1).map(String.init)
        guard let count = text.first.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), count > 0 else {
            throw LazyBenchmarkFailure("lamina run read nothing of \(path): \(output)")
        }
        if let expecting, text.count < 2 || text[1] != expecting {
            throw LazyBenchmarkFailure("lamina run printed \(output.debugDescription), not the file")
        }
    }

    /// Runs the `lamina` binary; its standard output, or one line saying why it failed.
    @discardableResult
    private func lamina(_ arguments: [String]) throws -> String {
        let result = try ChildProcess.run(configuration.laminaExecutable, arguments, timeout: .seconds(900))
        guard result.exitCode == 0 else {
            throw LazyBenchmarkFailure("lamina \(arguments.prefix(2).joined(separator: " ")) exited \(result.exitCode): \(result.errorOutput)")
        }
        return result.output
    }

    /// Runs async store work to completion from this synchronous benchmark.
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws {
        let result = Mutex<(any Error)?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                _ = try await body()
            } catch {
                result.withLock { $0 = error }
            }
            done.signal()
        }
        done.wait()
        if let error = result.withLock({ $0 }) { throw error }
    }

    /// The figures as a table, with the ratios issue 11 sets targets for.
    public static func table(_ figures: [Figure], configuration: Configuration) -> String {
        var lines = ["link: \(configuration.bytesPerSecond / 1_000_000) MB/s; image: \(configuration.dataBytes / 1_000_000) MB of files, large file \(configuration.largeFileBytes / 1_000_000) MB"]
        lines.append("scenario                          seconds      MB over the link")
        for figure in figures {
            let name = figure.scenario.padding(toLength: 32, withPad: " ", startingAt: 0)
            lines.append("\(name)  \(String(format: "%8.2f", figure.seconds))  \(String(format: "%10.2f", Double(figure.bytes) / 1_000_000))")
        }
        let by = Dictionary(figures.map { ($0.scenario, $0) }, uniquingKeysWith: { $1 })
        if let full = by["full pull, read small file"], let lazy = by["lazy pull, read small file"], full.seconds > 0, full.bytes > 0 {
            lines.append(String(format: "lazy / full, to the small file: time %.3f× (target ≤ 0.2×), bytes %.4f× (target ≤ 0.1×)",
                                lazy.seconds / full.seconds, Double(lazy.bytes) / Double(full.bytes)))
        }
        if let full = by["full pull of the large file"], let lazy = by["lazy read of the large file"], full.seconds > 0 {
            lines.append(String(format: "large file, lazy read / full pull: %.3f× (target ≤ 1.2×)", lazy.seconds / full.seconds))
        }
        return lines.joined(separator: "\n")
    }
}
