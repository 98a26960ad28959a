import CFuse

/// The libfuse low-level operation table: one non-capturing closure per operation, each handing
/// its raw arguments to the `Bridge` method of the same concern.
///
/// Not implemented on purpose: getlk/setlk/flock (the kernel then keeps locks locally), access
/// (`default_permissions` makes the kernel check modes), ioctl, poll, bmap, lseek and
/// copy_file_range (the kernel falls back to its generic paths), and flush: writes go straight to
/// the layer's file, so a close has nothing to flush, and the ENOSYS libfuse answers makes the
/// kernel stop sending FLUSH, saving one round trip per close().
enum LowLevelOperations {
    static func table() -> fuse_lowlevel_ops {
        var operations = fuse_lowlevel_ops()
        operations.`init` = { userdata, connection in Bridge.initialize(userdata, connection) }
        operations.lookup = { request, parent, name in Bridge.lookup(request, parent, name) }
        operations.forget = { request, node, lookups in Bridge.forget(request, node, lookups) }
        operations.forget_multi = { request, count, forgets in Bridge.forgetMany(request, count, forgets) }
        operations.getattr = { request, node, file in Bridge.getAttributes(request, node, file) }
        operations.setattr = { request, node, attributes, toSet, file in
            Bridge.setAttributes(request, node, attributes, toSet, file)
        }
        operations.readlink = { request, node in Bridge.readLink(request, node) }
        operations.mknod = { request, parent, name, mode, device in Bridge.makeNode(request, parent, name, mode, device) }
        operations.mkdir = { request, parent, name, mode in Bridge.makeDirectory(request, parent, name, mode) }
        operations.symlink = { request, target, parent, name in Bridge.makeSymbolicLink(request, target, parent, name) }
        operations.link = { request, node, newParent, newName in Bridge.link(request, node, newParent, newName) }
        operations.unlink = { request, parent, name in Bridge.removeFile(request, parent, name) }
        operations.rmdir = { request, parent, name in Bridge.removeDirectory(request, parent, name) }
        operations.rename = { request, parent, name, newParent, newName, flags in
            Bridge.rename(request, parent, name, newParent, newName, flags)
        }
        operations.open = { request, node, file in Bridge.open(request, node, file) }
        operations.create = { request, parent, name, mode, file in Bridge.create(request, parent, name, mode, file) }
        operations.read = { request, node, size, offset, file in Bridge.read(request, node, size, offset, file) }
        operations.write_buf = { request, node, buffers, offset, file in Bridge.write(request, node, buffers, offset, file) }
        operations.release = { request, node, file in Bridge.release(request, node, file) }
        operations.fsync = { request, node, dataOnly, file in Bridge.synchronize(request, node, dataOnly, file) }
        operations.fallocate = { request, node, mode, offset, length, file in
            Bridge.allocate(request, node, mode, offset, length, file)
        }
        operations.opendir = { request, node, file in Bridge.openDirectory(request, node, file) }
        operations.readdir = { request, node, size, offset, file in Bridge.readDirectory(request, node, size, offset, file) }
        operations.readdirplus = { request, node, size, offset, file in
            Bridge.readDirectoryPlus(request, node, size, offset, file)
        }
        operations.releasedir = { request, node, file in Bridge.releaseDirectory(request, node, file) }
        operations.fsyncdir = { request, node, dataOnly, file in Bridge.synchronizeDirectory(request, node, dataOnly, file) }
        operations.statfs = { request, node in Bridge.statistics(request, node) }
        operations.setxattr = { request, node, name, value, size, flags in
            Bridge.setExtendedAttribute(request, node, name, value, size, flags)
        }
        operations.getxattr = { request, node, name, size in Bridge.extendedAttribute(request, node, name, size) }
        operations.listxattr = { request, node, size in Bridge.extendedAttributeNames(request, node, size) }
        operations.removexattr = { request, node, name in Bridge.removeExtendedAttribute(request, node, name) }
        return operations
    }
}
