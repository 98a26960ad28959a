#if canImport(Glibc)
import Glibc
#endif

/// One raw entry of a directory as getdents64 returns it: the name, the inode number in the
/// directory's own filesystem, and the d_type (`DT_UNKNOWN` when the filesystem does not say).
public struct DirectoryRecord: Sendable, Equatable {
    public var name: FileName
    public var inode: UInt64
    public var type: UInt8

    public init(name: FileName, inode: UInt64, type: UInt8) {
        self.name = name
        self.inode = inode
        self.type = type
    }

    /// The `S_IFMT` bits for a d_type, or nil for DT_UNKNOWN.
    public static func fileType(of type: UInt8) -> mode_t? {
        switch Int32(type) {
        case Int32(DT_REG): S_IFREG
        case Int32(DT_DIR): S_IFDIR
        case Int32(DT_LNK): S_IFLNK
        case Int32(DT_CHR): S_IFCHR
        case Int32(DT_BLK): S_IFBLK
        case Int32(DT_FIFO): S_IFIFO
        case Int32(DT_SOCK): S_IFSOCK
        default: nil
        }
    }

    /// The d_type for `S_IFMT` bits.
    public static func directoryType(of mode: mode_t) -> UInt8 {
        switch mode & S_IFMT {
        case S_IFREG: UInt8(DT_REG)
        case S_IFDIR: UInt8(DT_DIR)
        case S_IFLNK: UInt8(DT_LNK)
        case S_IFCHR: UInt8(DT_CHR)
        case S_IFBLK: UInt8(DT_BLK)
        case S_IFIFO: UInt8(DT_FIFO)
        case S_IFSOCK: UInt8(DT_SOCK)
        default: UInt8(DT_UNKNOWN)
        }
    }
}
