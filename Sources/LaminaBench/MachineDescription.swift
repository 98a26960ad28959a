import Foundation
import LaminaSystem

/// What the report says about the machine and programs a run used (kernel, CPUs, memory, file
/// system of the cache, program versions), read from /proc and the programs themselves.
enum MachineDescription {
    static func current() -> [String: String] {
        var result: [String: String] = [:]
        result["kernel"] = read("/proc/sys/kernel/osrelease")
        result["cpus"] = String(ProcessInfo.processInfo.activeProcessorCount)
        result["memoryMiB"] = String(ProcessInfo.processInfo.physicalMemory >> 20)
        if let model = read("/proc/cpuinfo")?.split(separator: "\n").first(where: { $0.hasPrefix("model name") }) {
            result["cpu"] = model.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        result["date"] = ISO8601DateFormatter().string(from: Date())
        return result
    }

    /// The line of a program's `--version` output that names the program and its version
    /// (fuse-overlayfs prints libfuse's lines too), else the first line; nil if it cannot run.
    static func version(of program: String) -> String? {
        guard FileManager.default.isExecutableFile(atPath: program) else { return nil }
        guard let result = try? ChildProcess.run(program, ["--version"], timeout: .seconds(10)), !result.timedOut else { return nil }
        let text = result.output + result.errorOutput
        let lines = text.split(separator: "\n").map(String.init)
        let name = URL(fileURLWithPath: program).lastPathComponent
        return lines.first { $0.hasPrefix(name) && $0.contains("version") } ?? lines.first
    }

    private static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
