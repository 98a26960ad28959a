import Foundation

/// A layer stack built from scripts (`LayerStackFixture`) and mounted once, for tests that drive
/// the mount with their own calls instead of a scenario script: resource use, concurrency,
/// timings. `finish()` unmounts and returns every problem: the mount's own and any change to the
/// lower layers (`LowerGuard`), which must stay empty.
///
/// Not thread-safe: one test owns it (threads the test starts may use the mount point).
final class MountedStack {
    let layout: OverlayLayout
    let mount: OverlayMount
    private let guardian: LowerGuard

    /// Builds `layers` under `scratch/NAME/` and mounts them; the upper and work directories are
    /// made under `upperParent` when given (a small file system of the test's own).
    init(
        _ name: String, layers: [String], kind: OverlayMount.Kind, in scratch: ScratchDirectory,
        upperParent: String? = nil, launcher: [String] = []
    ) throws {
        let tools = try ScenarioTools(in: scratch)
        let root = try scratch.directory(name)
        let lowers = try LayerStackFixture(layers: layers).build(in: root + "/lower", tools: tools)
        let writable = upperParent ?? root
        let (upper, work) = (writable + "/\(name)-upper", writable + "/\(name)-work")
        for directory in [upper, work] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        layout = OverlayLayout(lowers: lowers, upper: upper, work: work, mountpoint: try scratch.directory(name + "/merged"))
        guardian = LowerGuard(layers: lowers)
        mount = try OverlayMount(kind, layout: layout, launcher: launcher)
    }

    /// `path` under the mount point.
    func merged(_ path: String) -> String { layout.mountpoint + "/" + path }

    func finish() -> [String] {
        mount.unmount()
        return mount.problems + guardian.changes(by: mount.name)
    }
}
