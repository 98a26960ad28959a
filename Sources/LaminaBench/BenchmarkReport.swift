/// The outcome of a run: every figure with its samples, the FUSE daemons' costs, what was
/// skipped and why, and the machine it ran on. Encoded as the `--json` output.
public struct BenchmarkReport: Codable, Sendable {
    public struct Settings: Codable, Sendable {
        public var layers: [Int]
        public var filesPerLayer: Int
        public var bigDirectoryEntries: Int
        public var bigFileBytes: Int
        public var seed: UInt64
        public var repetitions: Int
        public var statCount: Int
        public var createCount: Int
        public var unlinkCount: Int
        public var quick: Bool
    }

    /// One measured figure of one implementation at one layer count.
    public struct Figure: Codable, Sendable {
        public var name: String
        public var workload: Workload
        public var implementation: Implementation
        public var layers: Int
        public var operations: Int
        /// Each repetition's time, in milliseconds.
        public var samplesMilliseconds: [Double]
        public var medianMilliseconds: Double
        public var minimumMilliseconds: Double
        /// Which of the two the ratios and ops/s use.
        public var statistic: Statistic
        public var milliseconds: Double
        public var operationsPerSecond: Double
        /// This figure ÷ kernel overlayfs's (same workload, layers and run).
        public var ratioToKernel: Double?
        /// This figure ÷ fuse-overlayfs's.
        public var ratioToFuseOverlayfs: Double?
        /// Lamina's figure ÷ the earlier build's (`lamina-before`), when both were measured.
        public var ratioToBefore: Double?
        public var note: String?
    }

    /// A FUSE daemon's cost over every mount of one stack: peak resident memory and CPU time.
    public struct DaemonUsage: Codable, Sendable {
        public var implementation: Implementation
        public var layers: Int
        public var peakResidentKiB: Int
        public var cpuSeconds: Double
        public var mounts: Int
        /// The FUSE transport the daemon reported (Lamina's "transport: ..." line), if any.
        public var transport: String? = nil
    }

    /// Something not measured, and why.
    public struct Skip: Codable, Sendable {
        public var implementation: Implementation?
        public var layers: Int?
        public var workload: Workload?
        public var reason: String
    }

    public var machine: [String: String]
    public var settings: Settings
    public var programs: [String: String]
    public var figures: [Figure] = []
    public var daemons: [DaemonUsage] = []
    public var skipped: [Skip] = []

    /// The figure of `implementation` for `name` at `layers`, if measured.
    public func figure(_ name: String, _ implementation: Implementation, layers: Int) -> Figure? {
        figures.first { $0.name == name && $0.implementation == implementation && $0.layers == layers }
    }

    /// Fills in every figure's ratios to the references measured in this run.
    mutating func computeRatios() {
        let reference = figures
        for index in figures.indices {
            let figure = figures[index]
            let find = { (implementation: Implementation) in
                reference.first { $0.name == figure.name && $0.layers == figure.layers && $0.implementation == implementation }
            }
            if let kernel = find(.kernel), kernel.milliseconds > 0 {
                figures[index].ratioToKernel = figure.milliseconds / kernel.milliseconds
            }
            if let fuse = find(.fuseOverlayfs), fuse.milliseconds > 0 {
                figures[index].ratioToFuseOverlayfs = figure.milliseconds / fuse.milliseconds
            }
            if figure.implementation == .lamina, let before = find(.laminaBefore), before.milliseconds > 0 {
                figures[index].ratioToBefore = figure.milliseconds / before.milliseconds
            }
        }
    }

    /// Implementations that produced at least one figure.
    public var measuredImplementations: [Implementation] {
        Array(Set(figures.map(\.implementation))).sorted()
    }
}

extension BenchmarkReport.Figure {
    init(name: String, workload: Workload, implementation: Implementation, layers: Int, timings: [StepTiming]) {
        let samples = timings.map { $0.seconds * 1000 }
        let sorted = samples.sorted()
        let median = sorted.isEmpty ? 0
            : sorted.count % 2 == 1 ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let minimum = sorted.first ?? 0
        let statistic = Workload.statistic(of: name)
        let chosen = statistic == .median ? median : minimum
        let operations = timings.first?.operations ?? 0
        let notes = Set(timings.compactMap(\.note))
        self.init(
            name: name, workload: workload, implementation: implementation, layers: layers,
            operations: operations, samplesMilliseconds: samples, medianMilliseconds: median,
            minimumMilliseconds: minimum, statistic: statistic, milliseconds: chosen,
            operationsPerSecond: chosen > 0 ? Double(operations) / (chosen / 1000) : 0,
            ratioToKernel: nil, ratioToFuseOverlayfs: nil, ratioToBefore: nil,
            note: notes.isEmpty ? nil : notes.sorted().joined(separator: "; "))
    }
}
