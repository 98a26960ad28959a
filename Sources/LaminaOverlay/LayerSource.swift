import Glibc
import LaminaLayerIndex
import LaminaSystem

/// How the engine reads one lower layer: through its unpacked directory (descriptors), through its
/// mapped layer index (names, whiteouts and metadata with no syscall; file data from the directory
/// or from the content provider), or both.
///
/// Thread safety: immutable after `init`; the root descriptor is owned (and closed) by `LayerStack`.
final class LayerSource: Sendable {
    let layer: Int
    /// The unpacked directory's root (nil for a layer that has none).
    let root: FileDescriptor?
    let index: LayerIndex?
    let content: (any LayerContentProvider)?
    /// The device its inode numbers belong to: the directory's own, or, for a layer read through
    /// its index, a device number of its own (`InodeNumbers` keeps the layers' numbers apart).
    let device: dev_t
    /// The lowest layer of the stack: nothing lies below it for an opaque copy to hide.
    let isBottom: Bool

    init(layer: Int, root: FileDescriptor?, index: LayerIndex?, content: (any LayerContentProvider)?, device: dev_t,
         isBottom: Bool) {
        self.layer = layer
        self.root = root
        self.index = index
        self.content = content
        self.device = device
        self.isBottom = isBottom
    }

    /// The device number standing for an indexed layer: outside what the kernel hands out (its
    /// majors are 12 bits), one per layer.
    static func syntheticDevice(layer: Int) -> dev_t {
        dev_t(0xFFFF_0000_0000_0000) | dev_t(layer)
    }

    /// The stat an index gives for `file`.
    func status(of file: LayerFileID, in index: LayerIndex) -> stat {
        let metadata = index.metadata(of: file)
        var status = stat()
        status.st_dev = device
        status.st_ino = __ino_t(file.rawValue) + 1
        status.st_mode = metadata.mode
        status.st_uid = metadata.uid
        status.st_gid = metadata.gid
        status.st_nlink = __nlink_t(max(metadata.linkCount, 1))
        status.st_rdev = DeviceNumber.make(major: metadata.deviceMajor, minor: metadata.deviceMinor)
        switch metadata.kind {
        case .directory: status.st_size = off_t(max(metadata.size, 4096))
        case .symbolicLink: status.st_size = off_t(index.linkTarget(of: file).count)
        default: status.st_size = off_t(metadata.size)
        }
        status.st_blksize = 4096
        status.st_blocks = (status.st_size + 511) / 512
        status.st_mtim = metadata.modificationTime
        status.st_atim = metadata.modificationTime
        status.st_ctim = metadata.modificationTime
        return status
    }
}
