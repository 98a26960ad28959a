import Testing
@testable import LaminaFUSE

/// The lamina-overlayfs command line and the `-o` options podman, buildah, CRI-O and mount.fuse3 pass.
@Suite struct MountOptionsTests {
    private func mount(_ arguments: [String]) throws -> MountOptions {
        guard case .mount(let options) = try OverlayfsCommandLine.parse(arguments) else {
            Issue.record("expected a mount invocation for \(arguments)")
            return MountOptions()
        }
        return options
    }

    @Test func fuseOverlayfsForm() throws {
        let options = try mount(["-o", "lowerdir=/l/a:/l/b,upperdir=/u,workdir=/w", "/m"])
        #expect(options.lowerDirectories == ["/l/a", "/l/b"])
        #expect(options.upperDirectory == "/u")
        #expect(options.workDirectory == "/w")
        #expect(options.mountPoint == "/m")
        #expect(options.isReadOnly == false)
        #expect(options.foreground == false)
        #expect(options.subtype == "lamina-overlayfs")
        #expect(options.overlayConfiguration.upperDirectory == "/u")
    }

    @Test func podmanForm() throws {
        // What containers/storage runs: one -o with the label and the id mappings, then the target.
        let options = try mount([
            "-o", "lowerdir=/s/l/A:/s/l/B,upperdir=/s/x/diff,workdir=/s/x/work,nodev,fsync=0,context=\"system_u:object_r:container_file_t:s0:c1,c2\",uidmapping=0:100000:65536,gidmapping=0:100000:65536",
            "/s/x/merged",
        ])
        #expect(options.lowerDirectories == ["/s/l/A", "/s/l/B"])
        #expect(options.kernelFlags == ["nodev"])
        #expect(options.synchronizes == false)
        #expect(options.idMapping.uidRanges == [IDMapping.Range(disk: 0, shown: 100000, count: 65536)])
        #expect(options.ignoredOptions.contains { $0.hasPrefix("context=") && $0.hasSuffix("c1,c2\"") })
        #expect(options.mountPoint == "/s/x/merged")
    }

    @Test func lowerIndexes() throws {
        let options = try mount(["-o", "lowerdir=/l/a:/l/b:/l/c,lowerindex=/i/a::/i/c\\:d", "/m"])
        #expect(options.lowerIndexPaths == ["/i/a", "", "/i/c:d"])
        #expect(try mount(["-o", "lowerdir=/l/a", "/m"]).lowerIndexPaths.isEmpty)
    }

    @Test func passthroughModes() throws {
        #expect(try mount(["-o", "lowerdir=/l", "/m"]).passthrough == .off)
        for mode in PassthroughMode.allCases {
            #expect(try mount(["-o", "lowerdir=/l,passthrough=\(mode.rawValue)", "/m"]).passthrough == mode)
        }
        #expect(throws: MountError.self) { try mount(["-o", "lowerdir=/l,passthrough=yes", "/m"]) }
    }

    @Test func spinOption() throws {
        #expect(try mount(["-o", "lowerdir=/l", "/m"]).spinMicroseconds == 0)
        #expect(try mount(["-o", "lowerdir=/l,spin=0", "/m"]).spinMicroseconds == 0)
        #expect(try mount(["-o", "lowerdir=/l,spin=200", "/m"]).spinMicroseconds == 200)
        for bad in ["-1", "abc", "10001", ""] {
            #expect(throws: MountError.self) { try mount(["-o", "lowerdir=/l,spin=\(bad)", "/m"]) }
        }
    }

    @Test func killprivOption() throws {
        #expect(try mount(["-o", "lowerdir=/l", "/m"]).clearsSetIDBits == true)
        #expect(try mount(["-o", "lowerdir=/l,killpriv=off", "/m"]).clearsSetIDBits == false)
        #expect(try mount(["-o", "lowerdir=/l,killpriv=off,killpriv=on", "/m"]).clearsSetIDBits == true)
        #expect(throws: MountError.self) { try mount(["-o", "lowerdir=/l,killpriv=yes", "/m"]) }
    }

    /// fuse-overlayfs's `noacl`; `acl` turns checking back on (the default).
    @Test func aclOptions() throws {
        #expect(try mount(["-o", "lowerdir=/l", "/m"]).checksAccessControlLists == true)
        #expect(try mount(["-o", "lowerdir=/l,noacl", "/m"]).checksAccessControlLists == false)
        #expect(try mount(["-o", "lowerdir=/l,noacl,acl", "/m"]).checksAccessControlLists == true)
        #expect(try mount(["-o", "lowerdir=/l,noacl", "/m"]).ignoredOptions.isEmpty)
    }

    @Test func uringOption() throws {
        #expect(try mount(["-o", "lowerdir=/l", "/m"]).uring == false)
        #expect(try mount(["-o", "lowerdir=/l,uring=on", "/m"]).uring == true)
        #expect(try mount(["-o", "lowerdir=/l,uring=on,uring=off", "/m"]).uring == false)
        #expect(throws: MountError.self) { try mount(["-o", "lowerdir=/l,uring=yes", "/m"]) }
    }

    @Test func readOnlyPodmanFormHasNoUpper() throws {
        let options = try mount(["-o", "lowerdir=/s/diff:/s/l/A", "/m"])
        #expect(options.isReadOnly)
        #expect(options.overlayConfiguration.upperDirectory == nil)
        #expect(options.fuseMountOptions.contains("ro"))
    }

    @Test func explicitReadOnlyDropsUpper() throws {
        let options = try mount(["-o", "lowerdir=/a,upperdir=/u,workdir=/w,ro", "/m"])
        #expect(options.isReadOnly)
        #expect(options.overlayConfiguration.upperDirectory == nil)
        #expect(options.overlayConfiguration.workDirectory == nil)
    }

    @Test func mountFuseHelperForm() throws {
        // mount.fuse3 runs: TYPE SOURCE MOUNTPOINT -o OPTIONS, adding dev and suid.
        let options = try mount(["overlay", "/m", "-o", "rw,lowerdir=/a,upperdir=/u,workdir=/w,dev,suid"])
        #expect(options.fileSystemName == "overlay")
        #expect(options.mountPoint == "/m")
        #expect(options.readOnlyRequested == false)
        #expect(options.kernelFlags.isEmpty)
    }

    @Test func attachedAndRepeatedOptions() throws {
        let options = try mount(["-olowerdir=/a", "-o", "upperdir=/u", "-o", "workdir=/w", "-f", "/m"])
        #expect(options.lowerDirectories == ["/a"])
        #expect(options.upperDirectory == "/u")
        #expect(options.foreground)
    }

    @Test(arguments: [["-d"], ["--debug"], ["-o", "debug"]])
    func debugImpliesForeground(_ flag: [String]) throws {
        let options = try mount(flag + ["-o", "lowerdir=/a", "/m"])
        #expect(options.debug)
        #expect(options.foreground)
    }

    @Test func helpAndVersion() throws {
        #expect(try OverlayfsCommandLine.parse(["--help"]) == .help)
        #expect(try OverlayfsCommandLine.parse(["-h"]) == .help)
        #expect(try OverlayfsCommandLine.parse(["-V"]) == .version)
        #expect(try OverlayfsCommandLine.parse(["--version"]) == .version)
    }

    @Test(arguments: [
        (["-o", "lowerdir=/a,frobnicate", "/m"], "unknown mount option 'frobnicate'"),
        (["-o", "lowerdir=/a,upperdir=/u", "/m"], "an upper directory needs a work directory"),
        (["-o", "upperdir=/u,workdir=/w", "/m"], "no lower directory"),
        (["-o", "lowerdir=/a"], "no mount point"),
        (["-o", "lowerdir=/a", "/m", "/n", "/o"], "too many arguments"),
        (["-x", "-o", "lowerdir=/a", "/m"], "unknown argument '-x'"),
        (["-o", "lowerdir=/a::/data", "/m"], "data-only lower layers"),
        (["-o", "lowerdir=/a:", "/m"], "empty path"),
        (["-o", "lowerdir=//plugin/data/path", "/m"], "plugin layers are not supported"),
        (["-o", "lowerdir=/a,fsync=maybe", "/m"], "invalid fsync=maybe"),
        (["-o", "lowerdir=/a,uidmapping=0:1", "/m"], "invalid uidmapping=0:1"),
        (["-o", "lowerdir=/a,xattr_permissions=2", "/m"], "xattr_permissions=2 is not supported"),
        (["-o", "lowerdir=/a,timeout=soon", "/m"], "invalid timeout=soon"),
        (["-o"], "missing argument to '-o'"),
    ])
    func badCommandLines(_ arguments: [String], _ message: String) {
        #expect {
            _ = try OverlayfsCommandLine.parse(arguments)
        } throws: { error in
            guard let error = error as? MountError else { return false }
            return error.kind == .usage && error.message.contains(message)
        }
    }

    @Test(arguments: [
        "threaded=1", "fast_ino=1", "writeback=0", "plugins=", "redirect_dir=off", "redirect_dir=on",
        "metacopy=on", "index=off", "xino=auto", "allow_root", "default_permissions", "relatime",
        "lazytime", "nodiratime", "x-systemd.automount", "nofail", "_netdev", "max_write=131072", "kernel_cache",
    ])
    func acceptedAndIgnored(_ option: String) throws {
        let options = try mount(["-o", "lowerdir=/a," + option, "/m"])
        #expect(options.ignoredOptions == [option])
        #expect(options.kernelFlags.isEmpty)
    }

    @Test func honouredSwitches() throws {
        let options = try mount([
            "-o", "lowerdir=/a,static_nlink,noxattrs=1,volatile,timeout=5.5,userxattr,nosuid,noexec,noatime,fsname=img,subtype=x,clone_fd,max_threads=4,max_idle_threads=2",
            "/m",
        ])
        #expect(options.staticDirectoryLinks)
        #expect(options.extendedAttributes == false)
        #expect(options.synchronizes == false)
        #expect(options.cacheTimeout == 5.5)
        #expect(options.markerNamespace == "user.overlay.")
        #expect(options.kernelFlags == ["nosuid", "noexec", "noatime"])
        #expect(options.fileSystemName == "img")
        #expect(options.subtype == "x")
        #expect(options.cloneDescriptor && options.maxThreads == 4 && options.maxIdleThreads == 2)
        #expect(options.fuseMountOptions == [
            "default_permissions", "allow_other", "fsname=img", "subtype=x", "ro", "dev", "nosuid", "noexec", "noatime",
        ])
    }

    @Test func laterFlagsWin() throws {
        let options = try mount(["-o", "lowerdir=/a,nodev,dev,nosuid", "/m"])
        #expect(options.kernelFlags == ["nosuid"])
        #expect(options.fuseMountOptions.contains("dev"))
        #expect(!options.fuseMountOptions.contains("suid"))
    }

    @Test func squashPrecedence() throws {
        let uidFirst = try mount(["-o", "lowerdir=/a,squash_to_uid=7,squash_to_root", "/m"])
        #expect(uidFirst.idMapping.squashUID == 7)
        #expect(uidFirst.idMapping.squashGID == 0)
        let rootFirst = try mount(["-o", "lowerdir=/a,squash_to_root,squash_to_gid=9", "/m"])
        #expect(rootFirst.idMapping.squashUID == 0)
        #expect(rootFirst.idMapping.squashGID == 9)
    }

    @Test func escapedLayerPaths() throws {
        #expect(try MountOptions.layerPaths("/a\\:b:/c") == ["/a:b", "/c"])
        var options = MountOptions()
        try options.apply(optionList: "lowerdir=/x\\,y:/z,upperdir=/u")
        #expect(options.lowerDirectories == ["/x,y", "/z"])
        #expect(options.upperDirectory == "/u")
    }

    @Test func appendedLowerLayers() throws {
        let options = try mount(["-o", "lowerdir+=/top,lowerdir+=/bottom", "/m"])
        #expect(options.lowerDirectories == ["/top", "/bottom"])
    }

    @Test func fileSystemNameIsEscapedForLibfuse() {
        var options = MountOptions()
        options.fileSystemName = "a,b\\c"
        #expect(options.fuseMountOptions.contains("fsname=a\\,b\\\\c"))
    }
}
