import ArgumentParser
import Glibc
import LaminaFUSE
import LaminaSystem

/// `lamina unmount`: takes a Lamina (or any FUSE) mount down; its daemon then exits on its own.
/// A plain user's mount is taken down through fusermount3.
struct UnmountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unmount",
        abstract: "Unmount a mount made by `lamina mount` or lamina-overlayfs.")

    @Flag(help: "Detach the mount now even if it is busy; it goes away when the last user leaves.")
    var lazy = false

    @Argument(help: "The mount point.")
    var mountPoint: String

    func run() throws {
        do {
            let path = try MountCalls.canonicalPath(mountPoint)
            guard let mount = try MountTable.current().mount(at: path) else {
                throw MountError(.invalidPath, "\(path) is not a mount point")
            }
            guard mount.type.hasPrefix("fuse.") || mount.type == "fuse" else {
                throw MountError(.invalidPath, "\(path) is a \(mount.type) mount, not a FUSE mount")
            }
            do {
                try KernelMount.unmountFUSE(path, lazily: lazy)
            } catch {
                guard error.errno == EBUSY else { throw error }
                throw MountError(.busy, "\(path) is busy: files are open on it or a process works in it (try --lazy)")
            }
        } catch {
            throw ErrorLine.report("lamina unmount", error)
        }
    }
}
