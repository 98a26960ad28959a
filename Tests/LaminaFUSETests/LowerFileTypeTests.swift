import Foundation
import Glibc
import Testing

/// A lower name that stops being a regular file after the mount looked it up (someone changed a
/// layer directory under a running mount: lower layers are meant to be immutable, but podman's
/// layers are plain directories the host can touch). The kernel still believes the name is the
/// regular file it was told about, so a read reaches the daemon, which opens the name again: a FIFO
/// there must fail the read at once rather than block a daemon thread in open(2), and a symlink to a
/// host file must not be followed.
@Suite("A lower file replaced after its lookup", TestHost.mountComparisons, .serialized)
struct LowerFileTypeTests {
    @Test("a FIFO or a symlink put in place of a looked-up lower file is not read through")
    func replacedLowerFileIsNotRead() throws {
        let scratch = try ScratchDirectory("lower-file-type")
        defer { scratch.remove() }
        let host = try HostSecret(in: scratch)
        let layer = try scratch.directory("layer")
        try Command.check("sh", ["-c", "echo one > fifo && echo two > link"], in: layer)

        let layout = OverlayLayout(lowers: [layer], upper: nil, work: nil, mountpoint: try scratch.directory("m"))
        let mount = try OverlayMount(.implementation(.laminaOverlayfs), layout: layout)
        defer { mount.unmount() }
        // The kernel looks both names up (and keeps them: no-open mode opens nothing yet).
        for name in ["fifo", "link"] {
            var status = stat()
            #expect(lstat(layout.mountpoint + "/" + name, &status) == 0 && status.st_mode & S_IFMT == S_IFREG, "\(name)")
        }
        try Command.check("sh", ["-c", "rm fifo link && mkfifo fifo && ln -s \(host.file) link"], in: layer)
        try host.expectUnreadable(["fifo", "link"], under: layout.mountpoint)
        #expect(MountInfo.mount(at: layout.mountpoint) != nil, "the mount still serves")
    }
}
