import Foundation

/// The fixtures the podman tests share: a busybox-static root filesystem as a tar (made at run time,
/// then `podman import`ed into each store) and `layer-listing`, a python3 reader of `podman save`
/// OCI directories.
struct PodmanTools {
    static let baseImage = "localhost/lamina-busybox:test"

    let rootfsArchive: String
    let layerListing: String

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
        layerListing = directory + "/layer-listing"
        try Self.layerListingSource.write(toFile: layerListing, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: layerListing)
    }

    static let layerListingSource = #"""
        #!/usr/bin/env python3
        # layer-listing OCI_DIR: each layer of the image in an OCI image layout, one line per entry,
        # sorted: name, type, mode, owner, size, sha256 of the content, link target. No times.
        import hashlib, json, os, sys, tarfile
        root = sys.argv[1]
        def blob(digest):
            return os.path.join(root, "blobs", *digest.split(":", 1))
        index = json.load(open(os.path.join(root, "index.json")))
        manifest = json.load(open(blob(index["manifests"][0]["digest"])))
        kinds = {tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.DIRTYPE: "dir", tarfile.SYMTYPE: "symlink",
                 tarfile.LNKTYPE: "hardlink", tarfile.CHRTYPE: "chardev", tarfile.BLKTYPE: "blockdev", tarfile.FIFOTYPE: "fifo"}
        for number, layer in enumerate(manifest["layers"]):
            lines = []
            with tarfile.open(blob(layer["digest"]), "r:*") as archive:
                for member in archive:
                    digest = ""
                    if member.isreg():
                        digest = hashlib.sha256(archive.extractfile(member).read()).hexdigest()[:16]
                    line = "layer %d: %s %s %04o %d:%d %d %s" % (number, member.name.lstrip("./") or ".",
                        kinds.get(member.type, repr(member.type)), member.mode, member.uid, member.gid, member.size, digest)
                    if member.issym() or member.islnk():
                        line += " -> " + member.linkname
                    if member.ischr() or member.isblk():
                        line += " %d/%d" % (member.devmajor, member.devminor)
                    if member.pax_headers:
                        line += " " + ",".join("%s=%s" % item for item in sorted(member.pax_headers.items())
                                               if not item[0].endswith("time"))
                    lines.append(line)
            print("\n".join(sorted(lines)))
        """#
}
