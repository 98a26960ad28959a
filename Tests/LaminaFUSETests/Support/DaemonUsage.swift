import Foundation
import Glibc

/// What a FUSE daemon holds, read from /proc: its open descriptors (`/proc/PID/fd`), its threads
/// (`/proc/PID/task`) and its resident memory (`VmRSS` of `/proc/PID/status`). For the resource
/// tests, which check that work done through a mount leaves these where they were.
///
/// Pipes and directories are counted apart: libfuse gives each worker thread a pipe pair for
/// splice and starts worker threads as load needs them, so pipes follow the thread count; the
/// engine keeps directory handles in a bounded cache (`DescriptorCache`), one per layer directory
/// in use, opened when first needed. What must not grow with the work done is the rest.
struct DaemonUsage: Equatable, CustomStringConvertible {
    /// Descriptors that are neither pipes nor directories: files, /dev/fuse, the daemon's output.
    var descriptors: Int
    var directories: Int
    var pipes: Int
    var threads: Int
    var residentKiB: Int

    static func of(_ pid: Int32) throws -> DaemonUsage {
        let directory = "/proc/\(pid)/fd"
        var descriptors = 0
        var directories = 0
        var pipes = 0
        for entry in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + entry)) ?? ""
            var info = stat()
            if target.hasPrefix("pipe:") {
                pipes += 1
            } else if stat(directory + "/" + entry, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
                directories += 1
            } else {
                descriptors += 1
            }
        }
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { throw HarnessError("no VmRSS in /proc/\(pid)/status") }
        return DaemonUsage(descriptors: descriptors, directories: directories, pipes: pipes, threads: threads, residentKiB: kib)
    }

    /// Polls until the daemon holds at most `descriptors` descriptors besides pipes and directories (FUSE RELEASE
    /// and FORGET arrive after close returns) or `timeout` passes; returns the last reading.
    static func waitForDescriptors(_ pid: Int32, atMost descriptors: Int, timeout: Duration = .seconds(5)) throws -> DaemonUsage {
        let deadline = ContinuousClock.now + timeout
        var usage = try of(pid)
        while usage.descriptors > descriptors, ContinuousClock.now < deadline {
            usleep(20_000)
            usage = try of(pid)
        }
        return usage
    }

    /// The daemon's usage once requests in flight are done: the sample with the fewest descriptors
    /// among samples taken 20 ms apart until two in a row agree (at most 1 s). A request still
    /// being served can hold a descriptor for its own duration; a baseline taken during one is
    /// one too high.
    static func settled(_ pid: Int32) throws -> DaemonUsage {
        let deadline = ContinuousClock.now + .seconds(1)
        var lowest = try of(pid)
        var previous = lowest.descriptors
        while ContinuousClock.now < deadline {
            usleep(20_000)
            let usage = try of(pid)
            if usage.descriptors < lowest.descriptors { lowest = usage }
            if usage.descriptors == previous { break }
            previous = usage.descriptors
        }
        return lowest
    }

    /// At most one splice pipe pair per thread.
    var pipesFollowThreads: Bool { pipes <= 2 * threads }

    var description: String {
        "\(descriptors) descriptors + \(directories) directories + \(pipes) pipe ends, \(threads) threads, \(residentKiB / 1024) MiB resident"
    }
}
