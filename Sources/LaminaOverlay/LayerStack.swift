import Glibc
import LaminaSystem

/// The layers of one mount, the one place layer indices are defined, and the descriptors that
/// reach them.
///
/// Layers are numbered top-down: when the mount is writable the upper layer is index 0 and the
/// lower layers follow (top-most first, as overlayfs lists them); a read-only stack starts with
/// the top-most lower layer at 0. Each layer root is opened once, here; every other directory is
/// reached from its parent's descriptor by one name (`LayerDirectory`, and the upper handles of
/// `Node`), with the descriptors kept in `cache` under a ceiling. A lower layer read through its
/// index (`LayerSource`) needs no descriptor but to read file data from its directory.
///
/// Thread safety: immutable after `init`; the root descriptors are closed in `deinit`.
final class LayerStack: Sendable {
    /// The upper layer's root (writable mounts only).
    let upperRoot: FileDescriptor?
    /// How each layer is read, index = layer (nil for the upper layer).
    let sources: [LayerSource?]
    /// The root directory of each lower layer, index = layer (nil for the upper layer).
    let lowerRoots: [LayerDirectory?]
    /// `st_dev` of each layer's numbers, index = layer.
    let devices: [dev_t]
    /// The work directory (writable mounts only), on the upper layer's filesystem.
    let work: FileDescriptor?
    let hasUpper: Bool
    /// What statfs reports: the upper layer, else the first lower layer with a directory, else the
    /// directory of the first layer index.
    let statisticsDescriptor: FileDescriptor
    /// Directory descriptors other than the roots.
    let cache: DescriptorCache
    /// Descriptors opened here, closed in `deinit`.
    private let owned: [FileDescriptor]

    init(configuration: OverlayConfiguration) throws {
        guard !configuration.lowerLayers.isEmpty else {
            throw SystemError("mount: no lower layer", errno: EINVAL)
        }
        if (configuration.upperDirectory == nil) != (configuration.workDirectory == nil) {
            throw SystemError("mount: upper and work directories go together", errno: EINVAL,
                              path: configuration.upperDirectory ?? configuration.workDirectory)
        }
        var owned: [FileDescriptor] = []
        func open(_ path: String) throws -> FileDescriptor {
            let descriptor = try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY)
            owned.append(descriptor)
            return descriptor
        }
        do {
            let hasUpper = configuration.upperDirectory != nil
            let upper = try configuration.upperDirectory.map(open)
            let work = try configuration.workDirectory.map(open)
            if let upper, let work, try work.status().st_dev != upper.status().st_dev {
                throw SystemError("mount: work and upper directories must be on one filesystem",
                                  errno: EXDEV, path: configuration.workDirectory)
            }
            var sources: [LayerSource?] = hasUpper ? [nil] : []
            var devices: [dev_t] = try upper.map { [try $0.status().st_dev] } ?? []
            for (position, lower) in configuration.lowerLayers.enumerated() {
                let layer = sources.count
                let root = try lower.directory.map(open)
                guard root != nil || lower.index != nil else {
                    throw SystemError("mount: a lower layer needs a directory or an index", errno: EINVAL)
                }
                let device = lower.index != nil ? LayerSource.syntheticDevice(layer: layer) : try root?.status().st_dev ?? 0
                let isBottom = position == configuration.lowerLayers.count - 1
                sources.append(LayerSource(
                    layer: layer, root: root, index: lower.index, content: lower.content, device: device, isBottom: isBottom))
                devices.append(device)
            }
            let statistics: FileDescriptor
            if let upper {
                statistics = upper
            } else if let root = sources.lazy.compactMap({ $0?.root }).first {
                statistics = root
            } else if let index = configuration.lowerLayers.lazy.compactMap(\.index).first {
                let directory = index.path.lastIndex(of: "/").map { String(index.path[..<$0]) } ?? "."
                statistics = try open(directory.isEmpty ? "/" : directory)
            } else {
                throw SystemError("mount: no layer to report statistics of", errno: EINVAL)
            }
            self.upperRoot = upper
            self.work = work
            self.hasUpper = hasUpper
            self.sources = sources
            self.devices = devices
            self.lowerRoots = sources.map { $0.map { LayerDirectory(root: $0) } }
            self.statisticsDescriptor = statistics
            self.owned = owned
            self.cache = DescriptorCache(ceiling: configuration.descriptorCeiling)
        } catch {
            owned.forEach { $0.close() }
            throw error
        }
    }

    deinit {
        cache.closeIdle()
        owned.forEach { $0.close() }
    }

    /// The upper layer's index, when there is one.
    var upperLayer: Int? { hasUpper ? 0 : nil }
    /// Index of the top-most lower layer.
    var firstLower: Int { hasUpper ? 1 : 0 }
    var count: Int { sources.count }

    func isUpper(_ layer: Int) -> Bool { hasUpper && layer == 0 }

    /// The upper root; callers have checked `hasUpper` (writes answer EROFS first).
    var upper: FileDescriptor { upperRoot ?? statisticsDescriptor }

    /// The root directories of the lower layers, top-most first.
    var lowerRootDirectories: [LayerDirectory] { lowerRoots.compactMap { $0 } }
}
