import Glibc
import LaminaSystem

/// The layers of one mount, the one place layer indices are defined, and the descriptors that
/// reach them.
///
/// Layers are numbered top-down: when the mount is writable the upper layer is index 0 and the
/// lower layers follow (top-most first, as overlayfs lists them); a read-only stack starts with
/// the top-most lower layer at 0. Each layer root is opened once, here; every other directory is
/// reached from its parent's descriptor by one name (`LayerDirectory`, and the upper handles of
/// `Node`), with the descriptors kept in `cache` under a ceiling.
///
/// Thread safety: immutable after `init`; the root descriptors are closed in `deinit`.
final class LayerStack: Sendable {
    /// Root descriptors, index = layer.
    let roots: [FileDescriptor]
    /// `st_dev` of each root, index = layer.
    let devices: [dev_t]
    /// The root directory of each lower layer, index = layer (nil for the upper layer).
    let lowerRoots: [LayerDirectory?]
    /// The work directory (writable mounts only), on the upper layer's filesystem.
    let work: FileDescriptor?
    let hasUpper: Bool
    /// Directory descriptors other than the roots.
    let cache: DescriptorCache

    init(configuration: OverlayConfiguration) throws {
        guard !configuration.lowerDirectories.isEmpty else {
            throw SystemError("mount: no lower layer", errno: EINVAL)
        }
        if (configuration.upperDirectory == nil) != (configuration.workDirectory == nil) {
            throw SystemError("mount: upper and work directories go together", errno: EINVAL,
                              path: configuration.upperDirectory ?? configuration.workDirectory)
        }
        var opened: [FileDescriptor] = []
        var work: FileDescriptor?
        do {
            let paths = (configuration.upperDirectory.map { [$0] } ?? []) + configuration.lowerDirectories
            for path in paths {
                opened.append(try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY))
            }
            if let workPath = configuration.workDirectory {
                let descriptor = try FileDescriptor.open(workPath, flags: O_RDONLY | O_DIRECTORY)
                work = descriptor
                if try descriptor.status().st_dev != opened[0].status().st_dev {
                    throw SystemError("mount: work and upper directories must be on one filesystem",
                                      errno: EXDEV, path: workPath)
                }
            }
            self.devices = try opened.map { try $0.status().st_dev }
        } catch {
            opened.forEach { $0.close() }
            work?.close()
            throw error
        }
        let hasUpper = configuration.upperDirectory != nil
        self.roots = opened
        self.work = work
        self.hasUpper = hasUpper
        self.lowerRoots = opened.enumerated().map { layer, root in
            hasUpper && layer == 0 ? nil : LayerDirectory(layer: layer, root: root)
        }
        self.cache = DescriptorCache(ceiling: configuration.descriptorCeiling)
    }

    deinit {
        cache.closeIdle()
        roots.forEach { $0.close() }
        work?.close()
    }

    /// The upper layer's index, when there is one.
    var upperLayer: Int? { hasUpper ? 0 : nil }
    /// Index of the top-most lower layer.
    var firstLower: Int { hasUpper ? 1 : 0 }
    var count: Int { roots.count }

    func isUpper(_ layer: Int) -> Bool { hasUpper && layer == 0 }

    /// The upper root; callers have checked `hasUpper` (writes answer EROFS first).
    var upper: FileDescriptor { roots[0] }

    /// The root directories of the lower layers, top-most first.
    var lowerRootDirectories: [LayerDirectory] { lowerRoots.compactMap { $0 } }
}
