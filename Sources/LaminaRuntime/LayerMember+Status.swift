import LaminaImage
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

extension LayerMember {
    /// The tar header of a file as `lstat` describes it, named `path` in the layer, with the
    /// symbolic link target (bytes, exactly) read from `parent`/`name` when it is one.
    static func describing(
        _ status: stat, path: [FileName], parent: FileDescriptor, name: FileName,
        extendedAttributes: [(name: String, value: [UInt8])]
    ) throws(RuntimeError) -> LayerMember {
        var member = LayerMember(
            path: path, mode: status.st_mode, uid: status.st_uid, gid: status.st_gid,
            size: status.st_mode & S_IFMT == S_IFREG ? Int64(status.st_size) : 0,
            modificationSeconds: status.st_mtim.tv_sec, modificationNanoseconds: status.st_mtim.tv_nsec,
            extendedAttributes: extendedAttributes)
        switch status.st_mode & S_IFMT {
        case S_IFLNK:
            let target = try RuntimeError.system { () throws(SystemError) in try parent.readSymbolicLink(name) }
            member.symlinkTarget = target
        case S_IFCHR, S_IFBLK:
            member.deviceMajor = DeviceNumber.major(status.st_rdev)
            member.deviceMinor = DeviceNumber.minor(status.st_rdev)
        default:
            break
        }
        return member
    }
}
