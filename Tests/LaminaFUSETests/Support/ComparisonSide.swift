import Foundation
import Glibc

/// One side of a comparison: its own copy of the layer stack, upper, work and mount point under
/// `scratch/NAME/`, and what playing the scenario there produced.
struct ComparisonSide {
    struct Outcome {
        var initialView: TreeSnapshot?
        var transcript: String
        var finalView: TreeSnapshot
        var upper: TreeSnapshot?
        /// Lower layers changed, unmount failures, daemon exit status.
        var problems: [String]
        var daemonOutput: String
    }

    let name: String
    let layout: OverlayLayout
    /// What `KernelFormat` rewrote in this side's copy of the layers.
    var conversions: [String] = []

    /// Copies the built layers (`build/0`, `build/1`, ...) to `scratch/NAME/lower`.
    init(name: String, built: [String], scratch: ScratchDirectory, writable: Bool) throws {
        self.name = name
        let root = try scratch.directory(name)
        let buildDirectory = (built.first.map { ($0 as NSString).deletingLastPathComponent }) ?? ""
        try LayerStackFixture.copy(buildDirectory, to: root + "/lower")
        let lowers = built.map { root + "/lower/" + ($0 as NSString).lastPathComponent }
        let mountpoint = try scratch.directory(name + "/merged")
        if writable {
            let upper = try scratch.directory(name + "/upper")
            let work = try scratch.directory(name + "/work")
            try Command.check("touch", ["-d", "@\(LayerStackFixture.epoch.seconds)", upper, work])
            layout = OverlayLayout(lowers: lowers, upper: upper, work: work, mountpoint: mountpoint)
        } else {
            layout = OverlayLayout(lowers: lowers, upper: nil, work: nil, mountpoint: mountpoint)
        }
    }

    /// Rewrites markers the kernel cannot read (see `KernelFormat`), then resets the times the
    /// rewriting moved.
    mutating func convertForKernel() throws {
        for layer in layout.lowers { conversions += try KernelFormat.convert(layer: layer) }
        if !conversions.isEmpty {
            try LayerStackFixture.resetTimes(under: (layout.lowers[0] as NSString).deletingLastPathComponent)
        }
    }

    /// Mounts, plays `scenario.script` in the merged view, reads the views, unmounts, reads the upper
    /// layer, and checks the lower layers.
    func play(_ scenario: Scenario, as kind: OverlayMount.Kind, tools: ScenarioTools) throws -> Outcome {
        let guardian = LowerGuard(layers: layout.lowers)
        let mount = try OverlayMount(kind, layout: layout)
        defer { mount.unmount() }
        let mountpoint = layout.mountpoint
        let initialView = scenario.comparesInitialView ? mount.guarded { TreeSnapshot.capture(mountpoint) } : nil
        let run = try mount.guarded {
            try Command.shell(scenario.script, in: mountpoint, environment: tools.environment)
        }
        let finalView = mount.guarded { TreeSnapshot.capture(mountpoint) }
        mount.unmount()
        let upper = layout.upper.map { UpperNormalisation.apply(TreeSnapshot.capture($0)) }
        return Outcome(
            initialView: initialView, transcript: run.transcript, finalView: finalView, upper: upper,
            problems: mount.problems + guardian.changes(by: mount.name), daemonOutput: mount.daemonOutput)
    }
}
