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
    /// nil when the test guards lower layers it shares among several mounts itself.
    private let guardian: LowerGuard?

    /// Builds `layers` under `scratch/NAME/lower` and mounts them (see the other initialiser).
    convenience init(
        _ name: String, layers: [String], kind: OverlayMount.Kind, in scratch: ScratchDirectory,
        upperParent: String? = nil, launcher: [String] = []
    ) throws {
        let lowers = try Self.build(layers, in: scratch.directory(name) + "/lower", scratch: scratch)
        try self.init(name, lowers: lowers, kind: kind, in: scratch, upperParent: upperParent, launcher: launcher)
    }

    /// Mounts `lowers` (top-most first) with upper and work directories made under `upperParent`
    /// (a small file system of the test's own) or `scratch/NAME`. `guardsLowers: false` leaves
    /// the lower layers to a `LowerGuard` of the test's own (layers shared by several mounts).
    init(
        _ name: String, lowers: [String], kind: OverlayMount.Kind, in scratch: ScratchDirectory,
        upperParent: String? = nil, launcher: [String] = [], guardsLowers: Bool = true
    ) throws {
        let writable = try upperParent ?? scratch.directory(name)
        let (upper, work) = (writable + "/\(name)-upper", writable + "/\(name)-work")
        for directory in [upper, work] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        layout = OverlayLayout(lowers: lowers, upper: upper, work: work, mountpoint: try scratch.directory(name + "/merged"))
        guardian = guardsLowers ? LowerGuard(layers: lowers) : nil
        mount = try OverlayMount(kind, layout: layout, launcher: launcher)
    }

    /// Builds layers from scripts (`LayerStackFixture`) under `directory`; top-most first.
    static func build(_ layers: [String], in directory: String, scratch: ScratchDirectory) throws -> [String] {
        try LayerStackFixture(layers: layers).build(in: directory, tools: ScenarioTools(in: scratch))
    }

    /// `path` under the mount point.
    func merged(_ path: String) -> String { layout.mountpoint + "/" + path }

    func finish() -> [String] {
        mount.unmount()
        return mount.problems + (guardian?.changes(by: mount.name) ?? [])
    }
}
