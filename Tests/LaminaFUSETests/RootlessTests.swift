import Foundation
import Glibc
import Testing

/// Lamina without root: in a user namespace (`unshare -Urm`, where `trusted.*` xattrs are refused),
/// as a plain user through fusermount3, and as rootless podman's `mount_program`, each the way
/// fuse-overlayfs is used today.
@Suite("rootless", .serialized, .enabled(if: UnprivilegedUser.blocker == nil, Comment(rawValue: UnprivilegedUser.blocker ?? "")))
struct RootlessTests {
    /// A lower layer with directories to replace and move, as shell commands run in `directory`.
    static let lowerLayer = """
        mkdir -p lower/dir/sub lower/other lower/keep
        echo a > lower/dir/a; echo b > lower/dir/sub/b; echo g > lower/other/g; echo f > lower/keep/file; echo x > lower/keep/gone
        mkdir upper work merged
        """

    /// What `RUN rm -rf /dir && mkdir /dir`, `mv` of a lower directory and friends do, then the
    /// merged view listed with contents.
    static let changes = """
        cd merged
        rm -rf dir && mkdir dir && echo new > dir/x
        mv other moved
        echo more >> keep/file && rm keep/gone
        find . | sort; cat dir/x moved/g keep/file
        cd ..
        """

    /// In `unshare -Urm` (root of a user namespace: no `trusted.*`), lamina-overlayfs needs no
    /// option: the merged view matches kernel overlayfs mounted there with `userxattr`, and the
    /// markers are written as `user.overlay.*`.
    @Test("unshare -Urm: rm -rf + mkdir and mv of lower directories, as kernel overlayfs with userxattr")
    func userNamespace() throws {
        let scratch = try ScratchDirectory("rootless-userns")
        defer { scratch.remove() }
        let program = try ImplementationUnderTest.laminaBinary("lamina-overlayfs")
        var views: [String: String] = [:]
        for (name, mount) in [
            ("kernel", "mount -t overlay overlay -o lowerdir=lower,upperdir=upper,workdir=work,userxattr merged"),
            ("lamina", "'\(program)' -o lowerdir=lower,upperdir=upper,workdir=work merged"),
        ] {
            let directory = try scratch.directory(name)
            try Command.check("/bin/sh", ["-euc", Self.lowerLayer], in: directory)
            let result = try Command.run(
                "unshare", ["-Urm", "/bin/sh", "-ec", "\(mount)\n\(Self.changes)\numount merged"], in: directory)
            #expect(result.status == 0, "\(name) in a user namespace: \(result.transcript)")
            views[name] = result.output
            if name == "lamina" {
                let markers = try Command.check("getfattr", ["-R", "-d", "-m", "-", "--absolute-names", directory + "/upper"]).output
                #expect(markers.contains("user.overlay.opaque=\"y\""), "the new /dir is opaque: \(markers)")
                // A rename within one directory gets a relative redirect (one name), as the kernel
                // writes it where redirect_dir is on; kernel overlayfs with userxattr has no
                // redirect_dir and copies the directory instead (mv falls back on EXDEV).
                #expect(markers.contains("user.overlay.redirect=\"other\""), "the moved directory is redirected: \(markers)")
                #expect(!markers.contains("trusted."), "no trusted.* marker: \(markers)")
            }
        }
        #expect(views["lamina"] == views["kernel"])
        #expect(views["kernel"]?.contains("./moved/g\n") == true && views["kernel"]?.contains("./dir/a\n") == false)
    }

    /// As a plain user: `lamina mount`/`lamina unmount` work through fusermount3, without
    /// `allow_other` unless /etc/fuse.conf allows it, and refusals say why.
    @Test("plain user: lamina mount and unmount through fusermount3, with the real reason on failure")
    func plainUserMount() throws {
        let scratch = try ScratchDirectory("rootless-mount")
        defer { scratch.remove() }
        let user = try UnprivilegedUser(scratch: scratch)
        defer { user.remove() }
        let lamina = try ImplementationUnderTest.laminaBinary("lamina")
        let overlayfs = try ImplementationUnderTest.laminaBinary("lamina-overlayfs")
        let directory = try user.directory("stack", in: scratch)
        let rootOwned = try scratch.directory("root-owned")
        let allowed = (try? String(contentsOfFile: "/etc/fuse.conf", encoding: .utf8))?
            .split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == "user_allow_other" } ?? false
        let result = try user.run("""
            cd '\(directory)' && \(Self.lowerLayer.replacingOccurrences(of: "\n", with: " && "))
            '\(lamina)' mount --lower lower --upper upper --work work merged || exit 10
            grep " $PWD/merged " /proc/mounts
            \(Self.changes)
            '\(lamina)' unmount merged || exit 11
            grep -c " $PWD/merged " /proc/mounts
            '\(overlayfs)' -o lowerdir=lower,allow_other merged && { echo allow_other mounted; fusermount3 -u merged; }
            '\(lamina)' mount --lower lower '\(rootOwned)'
            exit 0
            """)
        #expect(result.status == 0, Comment(rawValue: result.transcript))
        let mountLine = result.output.split(separator: "\n").first { $0.contains(" fuse.lamina ") } ?? ""
        #expect(mountLine.contains("user_id=\(user.uid)"), "mounted by the user: \(result.transcript)")
        #expect(mountLine.contains("allow_other") == allowed, "allow_other only where fuse.conf allows it: \(mountLine)")
        #expect(result.output.contains("./moved/g\n") && result.output.contains("new\n"), Comment(rawValue: result.transcript))
        #expect(result.output.contains("\n0\n"), "unmounted: \(result.transcript)")
        if !allowed {
            #expect(result.errorOutput.contains("user_allow_other"), "explicit allow_other refused with the reason: \(result.transcript)")
        }
        #expect(result.errorOutput.contains("no write access to mountpoint"), "fusermount3's reason: \(result.transcript)")
        #expect(MountInfo.current().allSatisfy { !$0.mountpoint.hasPrefix(scratch.path) }, "nothing left mounted")
    }

    static let containerfile = """
        FROM \(PodmanTools.baseImage)
        RUN mkdir -p /app/data /app/keep && echo one > /app/data/a && echo k > /app/keep/k && chown 5:6 /app/keep/k
        RUN rm -rf /app/data && mkdir /app/data && echo three > /app/data/c && mv /app/keep /app/kept && chown 12:34 /app/data/c
        """

    /// Rootless podman with lamina-overlayfs as its mount program: a container runs on it; a build
    /// whose steps replace a directory, move a lower one and chown gives the same files as the
    /// same build on fuse-overlayfs; with `--uidmap` (podman passes `uidmapping=`/`gidmapping=`)
    /// chown inside the container works.
    @Test("rootless podman: run, build (rm -rf + mkdir, mv, chown) and --uidmap, as with fuse-overlayfs", TestHost.podman)
    func rootlessPodman() throws {
        let scratch = try ScratchDirectory("rl-podman")
        defer { scratch.remove() }
        let user = try UnprivilegedUser(scratch: scratch)
        defer { user.remove() }
        let tools = try PodmanTools(scratch: scratch)
        let context = try user.directory("context", in: scratch)
        try Self.containerfile.write(toFile: context + "/Containerfile", atomically: false, encoding: .utf8)
        chmod(context + "/Containerfile", 0o644)
        let inspect = "find /app | sort | xargs stat -c \"%n %u:%g %a %s\"; cat /app/data/c /app/kept/k"
        var built: [String: String] = [:]
        var programs = [("lamina-overlayfs", try ImplementationUnderTest.laminaBinary("lamina-overlayfs"))]
        if let fuseOverlayfs = TestHost.which("fuse-overlayfs") { programs.append(("fuse-overlayfs", fuseOverlayfs)) }
        for (name, program) in programs {
            let store = try user.directory("store-" + name, in: scratch)
            // podman wants a run root shorter than 50 characters.
            let runroot = try ScratchDirectory("rr")
            defer { runroot.remove() }
            chown(runroot.path, user.uid, user.gid)
            let podman = "podman --root '\(store)/root' --runroot '\(runroot.path)' --storage-driver overlay --storage-opt overlay.mount_program='\(program)' --runtime runc --events-backend file --cgroup-manager cgroupfs"
            let image = PodmanTools.baseImage
            let result = try user.run("""
                set -e
                \(podman) import '\(tools.rootfsArchive)' \(image) >/dev/null
                echo "root: $(\(podman) run --rm --network none \(image) sh -c 'grep " / " /proc/mounts | cut -d" " -f3')"
                \(podman) build --pull=never --network none -t localhost/rootless-built:test '\(context)' >/dev/null
                echo "built:"; \(podman) run --rm --network none localhost/rootless-built:test sh -c '\(inspect)'
                echo "mapped: $(\(podman) run --rm --network none --uidmap 0:1:1000 --gidmap 0:1:1000 \(image) sh -c 'touch /tmp/a && chown 5:6 /tmp/a && mkdir /tmp/d && chown 7:8 /tmp/d && stat -c %u:%g /tmp/a /tmp/d /bin/busybox')"
                """, timeout: .seconds(600))
            #expect(result.status == 0, "rootless podman with \(name): \(result.transcript)")
            #expect(result.output.contains("root: fuse.\(name)\n"), "the container's root is the mount program's: \(result.transcript)")
            #expect(result.output.contains("mapped: 5:6\n7:8\n0:0\n"), "chown under --uidmap with \(name): \(result.transcript)")
            built[name] = result.output.components(separatedBy: "built:\n").last?.components(separatedBy: "mapped:").first
        }
        #expect(built["lamina-overlayfs"]?.contains("/app/data/c 12:34 644 6") == true, "\(built)")
        #expect(built["lamina-overlayfs"]?.contains("/app/kept/k 5:6 644 2") == true, "\(built)")
        #expect(built["lamina-overlayfs"]?.contains("/app/data/a") == false, "\(built)")
        if let reference = built["fuse-overlayfs"] {
            // fuse-overlayfs 1.10 loses the deletion of the replaced /app/data (its layer has no
            // whiteout or opaque marker, see PodmanTests.build): that one line only is excused.
            let excused = reference.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("/app/data/a ") }
            #expect(built["lamina-overlayfs"] == excused.joined(separator: "\n"))
        }
    }

    /// `lamina run` as a plain user: the container runs as root of a user namespace with the
    /// user's subordinate ids (chown works, replacing and moving image directories works), `-d`,
    /// `ps`, `diff`, `commit` and `rm -f` work, and a refusal comes before anything is made, with
    /// its reason. Nothing stays mounted and no container process is left.
    @Test("plain user: lamina run in a user namespace, or a one-line refusal before anything is mounted", TestHost.podman)
    func plainUserRun() throws {
        let scratch = try ScratchDirectory("rootless-run")
        defer { scratch.remove() }
        let user = try UnprivilegedUser(scratch: scratch)
        defer { user.remove() }
        let lamina = try ImplementationUnderTest.laminaBinary("lamina")
        let layout = try scratch.directory("layout")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/lib-busybox-image.sh").path
        try Command.check("/bin/bash", ["-c", "source '\(script)' && build_busybox_layout '\(layout)' sample:1 >/dev/null"])
        try Command.check("chmod", ["-R", "a+rX", layout])
        let store = try user.directory("store", in: scratch)
        let result = try user.run("""
            \(lamina) image import --store '\(store)' '\(layout)' >/dev/null || exit 10
            echo "run: $('\(lamina)' run --store '\(store)' --rm sample:1 sh -c 'id -u; touch /t; chown 5:6 /t; stat -c %u:%g /t; rm -rf /opt && mkdir /opt && mv /usr /usr2 && ls /usr2')"
            '\(lamina)' run --store '\(store)' -d --name bg sample:1 sh -c 'mkdir -m 700 /private; chown 7:7 /private; touch /private/f; sleep 60' >/dev/null
            sleep 1
            echo "ps: $('\(lamina)' ps --store '\(store)' | grep -c ' Up ')"
            echo "diff: $('\(lamina)' diff --store '\(store)' bg | tr '\n' ' ')"
            '\(lamina)' commit --store '\(store)' -t sample:2 bg >/dev/null && echo committed
            '\(lamina)' rm --store '\(store)' -f bg >/dev/null && echo removed
            echo "left: $(ls '\(store)/containers' | wc -l)"
            echo "image: $('\(lamina)' run --store '\(store)' --rm sample:2 ls /private)"
            exit 0
            """)
        #expect(result.status == 0, Comment(rawValue: result.transcript))
        #expect(result.output.contains("run: 0\n5:6\nshare\n"), "root of its namespace, chown, rm -rf + mkdir, mv: \(result.transcript)")
        #expect(result.output.contains("ps: 1\n"), Comment(rawValue: result.transcript))
        #expect(result.output.contains("A /private A /private/f"), "diff reads the container's files: \(result.transcript)")
        #expect(result.output.contains("committed\nremoved\nleft: 0\nimage: f\n"), Comment(rawValue: result.transcript))

        // Refusals: said before anything is made or mounted.
        chmod("/dev/fuse", 0o600)
        let refused = try user.run("'\(lamina)' run --store '\(store)' --rm sample:1 true; echo \"exit $?\"; ls '\(store)/containers' | wc -l")
        chmod("/dev/fuse", 0o666)
        #expect(refused.errorOutput.contains("cannot run a container without root: /dev/fuse cannot be opened"), Comment(rawValue: refused.transcript))
        #expect(refused.output == "exit 125\n0\n", Comment(rawValue: refused.transcript))  // docker: lamina itself failed
        #expect(MountInfo.current().allSatisfy { !$0.mountpoint.hasPrefix(scratch.path) }, "nothing left mounted")
        let leftover = try Command.run("ps", ["-u", String(user.uid), "-o", "stat=,args="]).output
            .split(separator: "\n").filter { !$0.hasPrefix("Z") && !$0.contains("catatonit") }
        #expect(leftover.isEmpty, "no process of the user is left: \(leftover)")
    }
}
