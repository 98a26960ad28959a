import Glibc
import LaminaSystem

/// Kernel overlayfs and the implementations under test, each on its own copy of one layer stack
/// (empty upper and work directories each), all mounted at once so a test can play the same calls
/// on every mount step by step. `finish()` unmounts and reports what the harness checks after a
/// run: unmount and daemon failures, lower layers changed (`LowerGuard`), and the upper layers
/// after unmounting (`TreeSnapshot`, then `UpperNormalisation`).
///
/// Not thread-safe: one test owns it (the mounts themselves may be used from many threads).
final class MountedStacks {
    /// One mount of the stack and an open descriptor of its root.
    struct Member {
        let side: ComparisonSide
        let mount: OverlayMount
        let lowers: LowerGuard
        let root: FileDescriptor
        var name: String { mount.name }
    }

    /// Kernel overlayfs options beyond the layers: no inode index and no metacopy (as every default
    /// mount), and directory redirects on, which is how Lamina always renames a lower directory
    /// (docs/compatibility.md, "Renaming a lower directory").
    static let kernelOptions = ["index=off", "metacopy=off", "redirect_dir=on"]

    let scratch: ScratchDirectory
    private(set) var kernel: Member
    private(set) var candidates: [Member]
    /// Times before this were set by the fixture; after it, by a clock during the run.
    let threshold: Timestamp
    private var finished = false

    /// `indexed`: implementations mounted once more, each reading its copy of the lower layers
    /// through layer indexes built from them (`lowerindex=`, as `lamina mount` reads store layers).
    init(_ name: String, layers: [String], implementations: [ImplementationUnderTest], indexed: [ImplementationUnderTest] = []) throws {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        threshold = Timestamp(seconds: time.tv_sec - 1, nanoseconds: time.tv_nsec)
        let scratch = try ScratchDirectory(name)
        self.scratch = scratch
        do {
            let tools = try ScenarioTools(in: scratch)
            let built = try LayerStackFixture(layers: layers).build(in: scratch.directory("build"), tools: tools)
            var kernelSide = try ComparisonSide(name: "kernel", built: built, scratch: scratch, writable: true)
            try kernelSide.convertForKernel()
            kernel = try Self.mount(kernelSide, as: .kernel(options: Self.kernelOptions))
            candidates = try implementations.map { implementation in
                let side = try ComparisonSide(name: implementation.rawValue, built: built, scratch: scratch, writable: true)
                return try Self.mount(side, as: .implementation(implementation))
            }
            candidates += try indexed.map { implementation in
                let side = try ComparisonSide(name: implementation.rawValue + "-lowerindex", built: built, scratch: scratch, writable: true)
                return try Self.mount(side, as: .implementation(implementation, options: [LowerIndexes.option(for: side.layout.lowers)]))
            }
        } catch {
            scratch.remove()
            throw error
        }
    }

    deinit {
        if !finished { _ = finish() }
        scratch.remove()
    }

    var all: [Member] { [kernel] + candidates }

    /// Runs `body`; a FUSE daemon that stops answering for `timeout` is killed, so the test fails
    /// instead of hanging.
    func guarded<T>(timeout: Duration = .seconds(300), _ body: () throws -> T) rethrows -> T {
        func nest(_ index: Int) throws -> T {
            index == candidates.count ? try body() : try candidates[index].mount.guarded(timeout: timeout) { try nest(index + 1) }
        }
        return try nest(0)
    }

    /// Unmounts every mount and mounts it again on the same layers, upper and work directories
    /// (what a run left on disk must read back as the view it had); returns unmount problems.
    func remount() throws -> [String] {
        var problems: [String] = []
        func again(_ member: Member) throws -> Member {
            member.root.close()
            member.mount.unmount()
            problems += member.mount.problems
            let mount = try OverlayMount(member.mount.kind, layout: member.side.layout)
            let root = try FileDescriptor.open(member.side.layout.mountpoint, flags: O_RDONLY | O_DIRECTORY)
            return Member(side: member.side, mount: mount, lowers: member.lowers, root: root)
        }
        kernel = try again(kernel)
        candidates = try candidates.map(again)
        return problems
    }

    /// Closes the roots, unmounts everything, and returns the problems found plus each mount's upper
    /// layer (normalised), keyed by mount name.
    func finish() -> (problems: [String], uppers: [String: TreeSnapshot]) {
        finished = true
        var problems: [String] = []
        var uppers: [String: TreeSnapshot] = [:]
        for member in all {
            member.root.close()
            member.mount.unmount()
            problems += member.mount.problems + member.lowers.changes(by: member.name)
            if let upper = member.side.layout.upper {
                uppers[member.name] = UpperNormalisation.apply(TreeSnapshot.capture(upper))
            }
        }
        return (problems, uppers)
    }

    /// After `finish()`: each mount's upper layer as kernel overlayfs reads it over the kernel's
    /// copy of the lowers (`UpperReading`), keyed by mount name.
    func upperViews() throws -> [String: TreeSnapshot] {
        var views: [String: TreeSnapshot] = [:]
        for member in all {
            guard let upper = member.side.layout.upper else { continue }
            let mountpoint = try scratch.directory("reading-" + member.side.name)
            views[member.name] = try UpperReading.view(upper: upper, lowers: kernel.side.layout.lowers, mountpoint: mountpoint)
        }
        return views
    }

    /// The kernel's copy of the lower layers, as snapshots keyed as an upper layer's.
    func lowerSnapshots() -> [TreeSnapshot] { kernel.side.layout.lowers.map { TreeSnapshot.capture($0) } }

    private static func mount(_ side: ComparisonSide, as kind: OverlayMount.Kind) throws -> Member {
        let lowers = LowerGuard(layers: side.layout.lowers)
        let mount = try OverlayMount(kind, layout: side.layout)
        let root = try FileDescriptor.open(side.layout.mountpoint, flags: O_RDONLY | O_DIRECTORY)
        return Member(side: side, mount: mount, lowers: lowers, root: root)
    }
}
