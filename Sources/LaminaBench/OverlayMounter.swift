import Foundation
import LaminaLayerIndex
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Mounts a generated stack under each implementation, each time on a fresh upper and work dir.
///
/// Kernel overlayfs is mounted with mount(2) (`-t overlay -o lowerdir=...,upperdir=...,workdir=...`).
/// FUSE implementations are started as external programs with the same `-o` syntax and `-f`; if
/// one daemonizes anyway, its process is found by its mount point in /proc. Layer paths are passed
/// through short symlinks (`<run>/s<N>/NNN`) so a 100-layer lowerdir fits in the kernel's one-page
/// limit on mount options. Not thread-safe: one benchmark run owns one mounter.
final class OverlayMounter {
    let runDirectory: String
    let programs: [Implementation: String]
    /// `-o` options added to every `lamina` mount of a stack (`lamina bench --lamina-options`).
    let laminaOptions: String?
    /// `lamina` mounts read each layer through its layer index (`lamina bench --lamina-indexes`).
    let laminaIndexes: Bool
    private var counter = 0
    private var linkedStacks: [String: [String]] = [:]
    private var indexedStacks: [String: [String]] = [:]

    init(runDirectory: String, programs: [Implementation: String], laminaOptions: String? = nil, laminaIndexes: Bool = false) {
        self.runDirectory = runDirectory
        self.programs = programs
        self.laminaOptions = laminaOptions
        self.laminaIndexes = laminaIndexes
    }

    /// The layer index of each of the stack's layers, top-most first: `layer-NNN.index` beside the
    /// layer in the stack cache, built by walking the layer the first time (the store builds its
    /// indexes the same way when it unpacks a layer).
    private func layerIndexes(_ stack: GeneratedStack) throws -> [String] {
        if let indexes = indexedStacks[stack.directory] { return indexes }
        var indexes: [String] = []
        for layer in stack.lowerDirectoriesTopFirst {
            let path = layer + ".index"
            if (try? PosixCall.lstat(path)) == nil {
                do {
                    try LayerIndexBuilder.walking(layer).write(to: path)
                } catch {
                    throw SystemError("layer index of \(layer): \(error)", errno: EIO, path: path)
                }
            }
            indexes.append(path)
        }
        indexedStacks[stack.directory] = indexes
        return indexes
    }

    /// Short symlinked paths to the stack's layers, top-most first.
    private func lowerDirectories(_ stack: GeneratedStack) throws -> [String] {
        if let links = linkedStacks[stack.directory] { return links }
        let directory = runDirectory + "/s\(linkedStacks.count)"
        try PosixCall.makeDirectory(directory)
        var links: [String] = []
        for (index, layer) in stack.lowerDirectoriesTopFirst.enumerated() {
            let link = directory + "/\(index)"
            try PosixCall.symbolicLink(target: layer, at: link)
            links.append(link)
        }
        linkedStacks[stack.directory] = links
        return links
    }

    /// Mounts `stack`, with `extraTopLayer` (a directory) above its layers when given.
    func mount(_ implementation: Implementation, _ stack: GeneratedStack, extraTopLayer: String? = nil) throws -> OverlayMount {
        let lowers = (extraTopLayer.map { [$0] } ?? []) + (try lowerDirectories(stack))
        guard implementation == .lamina else { return try mount(implementation, lowers: lowers) }
        var options = laminaOptions.map { [$0] } ?? []
        if laminaIndexes {
            // The extra top layer (container start's busybox) is read as a directory.
            let indexes = (extraTopLayer.map { _ in [""] } ?? []) + (try layerIndexes(stack))
            options.append("lowerindex=" + indexes.joined(separator: ":"))
        }
        return try mount(implementation, lowers: lowers, daemonOptions: options.isEmpty ? nil : options.joined(separator: ","))
    }

    /// Kernel overlayfs copies mount(2)'s options into one page, NUL included.
    static let kernelOptionLimit = 4096

    /// `lowerdir=...,upperdir=...,workdir=...` for `lowers`, top-most first.
    static func layerOptions(lowers: [String], upper: String, work: String) -> String {
        "lowerdir=" + lowers.joined(separator: ":") + ",upperdir=\(upper),workdir=\(work)"
    }

    /// Mounts `lowers` (top-most first) over a fresh upper and work dir; `daemonOptions` go to a
    /// FUSE daemon's `-o` list after the layers (`passthrough=off`).
    func mount(_ implementation: Implementation, lowers: [String], daemonOptions: String? = nil) throws -> OverlayMount {
        counter += 1
        let scratch = runDirectory + "/m\(counter)"
        let merged = scratch + "/merged", upper = scratch + "/upper", work = scratch + "/work"
        for directory in [scratch, merged, upper, work] { try PosixCall.makeDirectory(directory) }
        let layers = Self.layerOptions(lowers: lowers, upper: upper, work: work)
        let options = implementation == .kernel ? layers : ([layers] + (daemonOptions.map { [$0] } ?? [])).joined(separator: ",")
        do {
            if implementation == .kernel {
                guard layers.utf8.count < Self.kernelOptionLimit else {
                    throw MountFailure(.kernel, "its options take \(layers.utf8.count) bytes, more than the \(Self.kernelOptionLimit - 1) kernel overlayfs accepts")
                }
                try KernelMount.mount(source: "overlay", target: merged, type: "overlay", options: options)
                return OverlayMount(implementation: .kernel, path: merged, scratch: scratch, daemonPID: nil, daemon: nil)
            }
            return try startDaemon(implementation, options: options, merged: merged, scratch: scratch)
        } catch {
            _ = try? FileTree.remove(scratch)
            if let failure = error as? MountFailure { throw failure }
            throw MountFailure(implementation, "\(error)")
        }
    }

    private func startDaemon(_ implementation: Implementation, options: String, merged: String, scratch: String) throws -> OverlayMount {
        guard let program = programs[implementation] else {
            throw MountFailure(implementation, "no program configured")
        }
        guard access(program, X_OK) == 0 else {
            throw MountFailure(implementation, "\(program) not found or not executable")
        }
        let log = scratch + "/daemon.log"
        let logDescriptor = try MountCalls.openForAppending(log)
        let null = try MountCalls.openReadWrite("/dev/null")
        let process: ChildProcess
        do {
            defer {
                MountCalls.close(logDescriptor)
                MountCalls.close(null)
            }
            process = try ChildProcess(program, ["-f", "-o", options, merged], streams: (null, logDescriptor, logDescriptor))
        }

        let deadline = ContinuousClock.now + .seconds(15)
        while !KernelMount.isMountPoint(merged) {
            if let code = process.exitCode {
                let tail = Self.lastLine(of: log)
                throw MountFailure(implementation, "\(program) exited with status \(code)"
                    + (tail.isEmpty ? "" : ": \(tail)"))
            }
            if ContinuousClock.now > deadline {
                process.stop()
                throw MountFailure(implementation, "\(program) did not mount \(merged) within 15 s")
            }
            usleep(2_000)
        }
        _ = try PosixCall.stat(merged)
        if process.exitCode == nil {
            return OverlayMount(implementation: implementation, path: merged, scratch: scratch,
                                daemonPID: process.pid, daemon: process)
        }
        // The program daemonized despite -f: find the daemon by its mount point.
        let pid = Self.process(mentioning: merged)
        return OverlayMount(implementation: implementation, path: merged, scratch: scratch, daemonPID: pid, daemon: nil)
    }

    /// The process whose command line names `path` (a daemon that forked away from us).
    static func process(mentioning path: String) -> Int32? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for name in names {
            guard let pid = Int32(name), pid != getpid(),
                  let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { continue }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if arguments.contains(path) { return pid }
        }
        return nil
    }

    static func lastLine(of path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").last.map(String.init) ?? ""
    }
}
