import Foundation

/// The fixtures the podman tests share: a busybox-static root filesystem as a tar (made at run time,
/// then `podman import`ed into each store).
struct PodmanTools {
    static let baseImage = "localhost/lamina-busybox:test"

    let rootfsArchive: String

    init(scratch: ScratchDirectory) throws {
        let directory = try scratch.directory("podman-tools")
        rootfsArchive = directory + "/rootfs.tar"
        try Command.check(
            "/bin/sh",
            [
                "-euc",
                """
                mkdir -p rootfs/bin rootfs/etc rootfs/tmp
                cp "$(command -v busybox)" rootfs/bin/busybox
                for applet in $(rootfs/bin/busybox --list); do [ -e rootfs/bin/$applet ] || ln -s busybox rootfs/bin/$applet; done
                echo 'root:x:0:0:root:/root:/bin/sh' > rootfs/etc/passwd
                echo 'root:x:0:' > rootfs/etc/group
                chmod 1777 rootfs/tmp
                tar -C rootfs -cf rootfs.tar .
                """,
            ], in: directory)
    }
}
