import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Why a workload cannot run here (e.g. runc or busybox missing): reported as a skip.
struct WorkloadUnavailable: Error, CustomStringConvertible {
    let description: String
}

extension Workload {
    /// Runs this workload's steps on a fresh mount whose caches were just dropped.
    func run(on root: String, _ targets: WorkloadTargets) throws -> [StepTiming] {
        switch self {
        case .walk:
            let cold = try StepTiming.measure { try FileTree.walk(root) }
            let warm = try StepTiming.measure { try FileTree.walk(root) }
            return [cold, warm]
        case .statBottom:
            let paths = targets.bottomFiles.map { root + "/" + $0 }
            func statAll() throws -> Int {
                for path in paths { _ = try PosixCall.stat(path) }
                return paths.count
            }
            return [try StepTiming.measure(statAll), try StepTiming.measure(statAll)]
        case .statMissing:
            let paths = targets.missingNames.map { root + "/" + $0 }
            func statAll() throws -> Int {
                for path in paths {
                    do {
                        _ = try PosixCall.lstat(path)
                        throw SystemError("lstat (expected no such file)", errno: EEXIST, path: path)
                    } catch let error as SystemError where error.errno == ENOENT {
                        continue
                    }
                }
                return paths.count
            }
            return [try StepTiming.measure(statAll), try StepTiming.measure(statAll)]
        case .listBig:
            let path = root + "/" + targets.manifest.bigDirectory
            func list() throws -> Int { try DirectoryStream(path).names().count }
            return [try StepTiming.measure(list), try StepTiming.measure(list)]
        case .readSmall:
            let paths = targets.smallFiles.map { root + "/" + $0 }
            var scratch = [UInt8](repeating: 0, count: 1 << 16)
            func readAll() throws -> Int {
                for path in paths {
                    let descriptor = try PosixCall.open(path, flags: O_RDONLY)
                    defer { PosixCall.close(descriptor) }
                    _ = try PosixCall.readToEnd(descriptor, scratch: &scratch, path: path)
                }
                return paths.count
            }
            return [try StepTiming.measure(readAll), try StepTiming.measure(readAll)]
        case .copyUp:
            let path = root + "/" + targets.manifest.bigFile
            return [try StepTiming.measure {
                let descriptor = try PosixCall.open(path, flags: O_WRONLY | O_APPEND)
                defer { PosixCall.close(descriptor) }
                try PosixCall.writeAll(descriptor, [0x0A], path: path)
                try PosixCall.synchronize(descriptor, path: path)
                return 1
            }]
        case .create:
            return try runCreate(root, targets)
        case .unlinkLower:
            let paths = targets.unlinkFiles.map { root + "/" + $0 }
            let unlink = try StepTiming.measure {
                for path in paths { try PosixCall.unlink(path) }
                return paths.count
            }
            let tree = root + "/" + targets.manifest.removedTree
            return [unlink, try StepTiming.measure { try FileTree.remove(tree) }]
        case .renameDirectory:
            return [try runRename(root, targets)]
        case .containerStart:
            throw WorkloadUnavailable(description: "container-start mounts its own stack (ContainerStart.run)")
        }
    }

    private func runCreate(_ root: String, _ targets: WorkloadTargets) throws -> [StepTiming] {
        let directory = root + "/" + targets.manifest.createDirectory
        let paths = (0..<targets.createCount).map { directory + "/new_\($0)" }
        let content = [UInt8](repeating: 0x61, count: 100)
        let create = try StepTiming.measure {
            for path in paths {
                let descriptor = try PosixCall.open(path, flags: O_WRONLY | O_CREAT | O_EXCL)
                defer { PosixCall.close(descriptor) }
                try PosixCall.writeAll(descriptor, content, path: path)
                try PosixCall.synchronize(descriptor, path: path)
            }
            return paths.count
        }
        let unlink = try StepTiming.measure {
            for path in paths { try PosixCall.unlink(path) }
            return paths.count
        }
        return [create, unlink]
    }

    /// What `mv` does: rename(2), and on EXDEV a recursive copy followed by a recursive delete
    /// (done by running `mv` itself, so the fallback is exactly the one users get).
    private func runRename(_ root: String, _ targets: WorkloadTargets) throws -> StepTiming {
        let source = root + "/" + targets.manifest.renamedDirectory
        let destination = source + ".moved"
        var note = "rename(2) succeeded"
        var timing = try StepTiming.measure {
            do {
                try PosixCall.rename(source, to: destination)
            } catch let error as SystemError where error.errno == EXDEV {
                note = "rename(2) answered EXDEV; mv copied and deleted"
                let mv = try ChildProcess.run("/bin/mv", [source, destination], timeout: .seconds(600))
                guard mv.exitCode == 0, !mv.timedOut else {
                    throw SystemError("mv (exit status \(mv.exitCode)\(mv.timedOut ? ", killed after 600 s" : ""): \(mv.errorOutput))",
                                      errno: EIO, path: source)
                }
            }
            return 1
        }
        timing.note = note
        return timing
    }
}
