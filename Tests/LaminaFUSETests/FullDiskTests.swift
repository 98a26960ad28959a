import Foundation
import Glibc
import LaminaSystem
import Testing

/// A full upper file system, on kernel overlayfs and on both Lamina front ends, each over a fresh
/// 8 MiB tmpfs holding its upper and work directories: the copy-up of a 12 MiB lower file fails
/// with ENOSPC and leaves nothing behind (the file still reads as the lower one, no partial copy
/// in the upper or work directory); a new file written until the disk is full ends in ENOSPC;
/// once it is removed, writes, a small copy-up and a rename work again; the merged view equals the
/// kernel's; the lower layer is unchanged.
@Suite("A full upper file system", TestHost.mountComparisons)
struct FullDiskTests {
    static let bigSize = 12 << 20

    @Test("ENOSPC from a full upper: a clear error, nothing lost, and the mount works after")
    func fullUpper() throws {
        let scratch = try ScratchDirectory("full-disk")
        defer { scratch.remove() }
        let lowers = try MountedStack.build(
            ["mkdir dir; head -c \(Self.bigSize) /dev/zero | tr '\\0' L > dir/big; echo small > dir/small"],
            in: scratch.path + "/lower", scratch: scratch)
        let guardian = LowerGuard(layers: lowers)
        let kinds: [OverlayMount.Kind] = [.kernel(options: [])] + ImplementationUnderTest.laminaFrontEnds.map { .implementation($0) }
        var reference: (name: String, outcomes: [String], view: TreeSnapshot)?
        for (index, kind) in kinds.enumerated() {
            let device = try scratch.directory("tmpfs\(index)")
            try KernelMount.mount(source: "tmpfs", target: device, type: "tmpfs", options: "size=8m,mode=0755")
            let stack = try MountedStack("side\(index)", lowers: lowers, kind: kind, in: scratch, upperParent: device, guardsLowers: false)
            let name = stack.mount.name
            let outcomes = try stack.mount.guarded { try Self.exercise(stack) }
            let view = stack.mount.guarded { TreeSnapshot.capture(stack.layout.mountpoint) }
            let problems = stack.finish()
            #expect(problems.isEmpty, "\(name): \(problems)")
            let upper = TreeSnapshot.capture(try #require(stack.layout.upper)).entries.keys.sorted()
            #expect(!upper.contains("dir/big"), "\(name): a partial copy of dir/big in the upper layer: \(upper)")
            let leftovers = TreeSnapshot.capture(try #require(stack.layout.work)).entries.filter { $0.value.kind != .directory }
            #expect(leftovers.isEmpty, "\(name): left in the work directory: \(leftovers.keys.sorted())")
            if let reference {
                #expect(outcomes == reference.outcomes, "\(name) against \(reference.name)")
                let differences = TreeComparison(
                    referenceName: reference.name, candidateName: name,
                    policy: .visible(threshold: LayerStackFixture.epoch.advanced(bySeconds: 60))
                ).differences(reference.view, view)
                #expect(differences.isEmpty, "\(differences.prefix(10))")
            } else {
                #expect(outcomes.first == "append to dir/big: ENOSPC", "fixture: the kernel's copy-up fails: \(outcomes)")
                reference = (name, outcomes, view)
            }
        }
        let changes = guardian.changes(by: "the mounts")
        #expect(changes.isEmpty, "\(changes)")
    }

    /// The calls, each recorded as "what: outcome" (an errno's name, or what was read).
    static func exercise(_ stack: MountedStack) throws -> [String] {
        var outcomes: [String] = []
        // The kernel copies up when the file is opened for writing, Lamina when it is first
        // written: the first failing call of the two is what counts.
        let big = stack.merged("dir/big")
        var failure = "ok"
        let appender = open(big, O_WRONLY | O_APPEND | O_CLOEXEC)
        if appender < 0 {
            failure = Self.name(errno)
        } else {
            if write(appender, "x", 1) != 1 { failure = Self.name(errno) }
            close(appender)
        }
        outcomes.append("append to dir/big: \(failure)")
        let data = try Data(contentsOf: URL(fileURLWithPath: big))
        let intact = data.count == Self.bigSize && data.allSatisfy { $0 == UInt8(ascii: "L") }
        outcomes.append("dir/big afterwards: \(data.count) bytes, \(intact ? "the lower data" : "changed")")

        // A new file written 1 MiB at a time until the file system is full.
        let filler = stack.merged("dir/filler")
        let descriptor = open(filler, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return outcomes + ["create dir/filler: \(Self.name(errno))"] }
        let chunk = [UInt8](repeating: UInt8(ascii: "F"), count: 1 << 20)
        var ending = "never full"
        for _ in 0..<64 {
            let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                ending = Self.name(errno)
                break
            }
        }
        close(descriptor)
        outcomes.append("fill dir/filler: \(ending)")
        outcomes.append("unlink dir/filler: \(unlink(filler) == 0 ? "ok" : Self.name(errno))")

        // Space again: a new file, the copy-up of a small lower file by a rename, a directory.
        let after = stack.merged("dir/after")
        do {
            try Data("after\n".utf8).write(to: URL(fileURLWithPath: after))
            outcomes.append("write dir/after: \(try String(contentsOfFile: after, encoding: .utf8) == "after\n" ? "reads back" : "differs")")
        } catch {
            outcomes.append("write dir/after: \(error)")
        }
        outcomes.append("rename dir/small: \(rename(stack.merged("dir/small"), stack.merged("dir/small2")) == 0 ? "ok" : Self.name(errno))")
        outcomes.append("mkdir dir/new: \(mkdir(stack.merged("dir/new"), 0o755) == 0 ? "ok" : Self.name(errno))")
        return outcomes
    }

    static func name(_ code: Int32) -> String {
        switch code {
        case ENOSPC: "ENOSPC"
        case EDQUOT: "EDQUOT"
        case EIO: "EIO"
        case EFBIG: "EFBIG"
        default: "errno \(code)"
        }
    }
}
