import Foundation
import Glibc
import Testing
@testable import LaminaFUSE
import LaminaSystem

/// The checks made before mounting: each bad request gets one error naming what is wrong, and
/// nothing is written.
@Suite struct MountPreflightTests {
    /// A lower, upper, work and mount point directory under a fresh scratch directory.
    private struct Stack {
        let scratch: ScratchDirectory
        let lower, upper, work, mountPoint: String

        init(_ name: String) throws {
            scratch = try ScratchDirectory(name)
            lower = try scratch.directory("lower")
            upper = try scratch.directory("upper")
            work = try scratch.directory("work")
            mountPoint = try scratch.directory("merged")
        }

        func options(lower: [String]? = nil, upper: String? = nil, work: String? = nil, mountPoint: String? = nil) -> MountOptions {
            var options = MountOptions()
            options.lowerDirectories = lower ?? [self.lower]
            options.upperDirectory = upper ?? self.upper
            options.workDirectory = work ?? self.work
            options.mountPoint = mountPoint ?? self.mountPoint
            return options
        }
    }

    private func expectFailure(_ options: MountOptions, fuseDevice: String = "/dev/fuse", _ kind: MountError.Kind, _ message: String) {
        #expect {
            _ = try MountPreflight.check(options, fuseDevice: fuseDevice)
        } throws: { error in
            guard let error = error as? MountError else { return false }
            return error.kind == kind && error.message.contains(message)
        }
    }

    @Test func goodRequestComesBackCanonical() throws {
        let stack = try Stack("preflight-good")
        defer { stack.scratch.remove() }
        var options = stack.options()
        options.lowerDirectories = [stack.scratch.path + "/lower/../lower"]
        let prepared = try MountPreflight.check(options, fuseDevice: "/dev/null")
        #expect(prepared.options.lowerDirectories == [stack.lower])
        #expect(prepared.options.mountPoint == stack.mountPoint)
        #expect(prepared.workLock != nil)
    }

    @Test func missingLayer() throws {
        let stack = try Stack("preflight-missing")
        defer { stack.scratch.remove() }
        expectFailure(stack.options(lower: [stack.lower, stack.scratch.path + "/gone"]), fuseDevice: "/dev/null",
                      .invalidPath, "lower directory \(stack.scratch.path)/gone: No such file or directory")
    }

    /// `lamina mount IMAGE -o lowerindex=...`: the image's own layers (with their indexes, or lazy
    /// content) are not replaced by directories read through other index files.
    @Test func lowerIndexesDoNotReplaceAnImagesLayers() throws {
        let stack = try Stack("preflight-lowerindex")
        defer { stack.scratch.remove() }
        var options = stack.options()
        options.lowerLayers = LowerLayerList([.directory(stack.lower)])
        options.lowerIndexPaths = [stack.scratch.path + "/some.index"]
        expectFailure(options, fuseDevice: "/dev/null", .usage, "an image's layers come with their own indexes")
    }

    @Test func layerThatIsAFile() throws {
        let stack = try Stack("preflight-file")
        defer { stack.scratch.remove() }
        let file = stack.scratch.path + "/file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        expectFailure(stack.options(lower: [file]), fuseDevice: "/dev/null", .invalidPath, "Not a directory")
    }

    @Test func nonEmptyWorkDirectory() throws {
        let stack = try Stack("preflight-work")
        defer { stack.scratch.remove() }
        #expect(FileManager.default.createFile(atPath: stack.work + "/stray", contents: Data("x".utf8)))
        expectFailure(stack.options(), fuseDevice: "/dev/null", .invalidPath, "work directory \(stack.work) is not empty")
        // Nothing was removed or written.
        #expect(try FileManager.default.contentsOfDirectory(atPath: stack.work) == ["stray"])
    }

    @Test func leftoversOfEarlierMountsAreAllowed() throws {
        let stack = try Stack("preflight-leftovers")
        defer { stack.scratch.remove() }
        try stack.scratch.directory("work/work")
        try stack.scratch.directory("work/index")
        try stack.scratch.directory("work/#lamina.1234.5/partial")
        _ = try MountPreflight.check(stack.options(), fuseDevice: "/dev/null")
    }

    @Test func nonEmptyKernelLeftoverIsRefused() throws {
        let stack = try Stack("preflight-index")
        defer { stack.scratch.remove() }
        try stack.scratch.directory("work/index/something")
        expectFailure(stack.options(), fuseDevice: "/dev/null", .invalidPath, "is not empty (it holds index)")
    }

    @Test func workDirectoryOfALiveMount() throws {
        let stack = try Stack("preflight-locked")
        defer { stack.scratch.remove() }
        let held = try WorkDirectoryLock(path: stack.work)
        expectFailure(stack.options(), fuseDevice: "/dev/null", .busy, "is in use by another live mount")
        withExtendedLifetime(held) {}
    }

    @Test(.enabled(if: MountPreflightTests.hasSeparateTemporaryFileSystems, "needs /dev/shm and /tmp on different file systems"))
    func upperAndWorkOnDifferentFileSystems() throws {
        let stack = try Stack("preflight-devices")
        defer { stack.scratch.remove() }
        let shm = try ScratchDirectoryOnShm()
        defer { shm.remove() }
        expectFailure(stack.options(work: shm.path), fuseDevice: "/dev/null", .invalidPath, "are on different file systems")
    }

    @Test func workInsideUpper() throws {
        let stack = try Stack("preflight-nested")
        defer { stack.scratch.remove() }
        let nested = try stack.scratch.directory("upper/work")
        expectFailure(stack.options(work: nested), fuseDevice: "/dev/null", .invalidPath, "neither inside the other")
    }

    @Test func mountPointThatIsAlreadyAMountPoint() throws {
        let stack = try Stack("preflight-busy")
        defer { stack.scratch.remove() }
        expectFailure(stack.options(mountPoint: "/proc"), fuseDevice: "/dev/null", .busy, "mount point /proc is busy")
    }

    @Test func missingMountPoint() throws {
        let stack = try Stack("preflight-nomount")
        defer { stack.scratch.remove() }
        expectFailure(stack.options(mountPoint: stack.scratch.path + "/nowhere"), fuseDevice: "/dev/null",
                      .invalidPath, "mount point \(stack.scratch.path)/nowhere: No such file or directory")
    }

    @Test func noFuseDevice() throws {
        let stack = try Stack("preflight-nofuse")
        defer { stack.scratch.remove() }
        expectFailure(stack.options(), fuseDevice: stack.scratch.path + "/fuse", .system, "FUSE is not available")
    }

    @Test func readOnlyMountIgnoresUpperAndWork() throws {
        let stack = try Stack("preflight-ro")
        defer { stack.scratch.remove() }
        var options = stack.options(upper: stack.scratch.path + "/no-upper", work: stack.scratch.path + "/no-work")
        options.readOnlyRequested = true
        let prepared = try MountPreflight.check(options, fuseDevice: "/dev/null")
        #expect(prepared.workLock == nil)
        #expect(prepared.options.overlayConfiguration.upperDirectory == nil)
    }

    static let hasSeparateTemporaryFileSystems: Bool = {
        var shm = stat(), tmp = stat()
        return stat("/dev/shm", &shm) == 0 && stat("/tmp", &tmp) == 0 && shm.st_dev != tmp.st_dev
    }()
}

/// A scratch directory on /dev/shm (tmpfs), for a work directory on another file system.
private struct ScratchDirectoryOnShm {
    let path: String

    init() throws {
        var template = Array("/dev/shm/lamina-test.XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw HarnessError("mkdtemp on /dev/shm: \(String(cString: strerror(errno)))")
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func remove() {
        rmdir(path)
    }
}

/// Who mounts decides what is asked of the kernel: `allow_other` only where allowed, `suid`/`dev`
/// only where fusermount3 is not in the way, and markers in a namespace the upper layer takes.
@Suite struct MountPrivilegeTests {
    @Test(arguments: [
        ("user_allow_other\n", true), ("  user_allow_other  \n", true), ("#user_allow_other\n", false),
        ("mount_max = 1000\n", false), ("", false), ("# comment\nuser_allow_other", true),
    ])
    func fuseConfiguration(_ text: String, _ allowed: Bool) {
        #expect(FUSEConfiguration.parse(text).userAllowOther == allowed)
    }

    private func prepared(_ privilege: Privilege, allowed: Bool, asked: Bool?) throws -> MountPreflight.Prepared {
        let scratch = try ScratchDirectory("preflight-privilege")
        defer { scratch.remove() }
        var options = MountOptions()
        options.lowerDirectories = [try scratch.directory("lower")]
        options.mountPoint = try scratch.directory("merged")
        options.allowOther = asked
        return try MountPreflight.check(
            options, fuseDevice: "/dev/null", privilege: privilege, fuseConfiguration: FUSEConfiguration(userAllowOther: allowed))
    }

    @Test func plainUserWithoutUserAllowOther() throws {
        let options = try prepared(.user, allowed: false, asked: nil).options
        #expect(!options.fuseMountOptions.contains("allow_other"))
        #expect(!options.fuseMountOptions.contains("suid") && !options.fuseMountOptions.contains("dev"))
    }

    @Test func plainUserWithUserAllowOther() throws {
        #expect(try prepared(.user, allowed: true, asked: nil).options.fuseMountOptions.contains("allow_other"))
    }

    @Test func plainUserAskingForAllowOtherIsToldWhy() throws {
        #expect {
            _ = try prepared(.user, allowed: false, asked: true)
        } throws: { "\($0)".contains("user_allow_other") && "\($0)".contains("/etc/fuse.conf") }
    }

    @Test(arguments: [Privilege.hostRoot, .namespaceRoot])
    func rootAsksForAllowOther(_ privilege: Privilege) throws {
        let options = try prepared(privilege, allowed: false, asked: nil).options
        #expect(options.fuseMountOptions.contains("allow_other") && options.fuseMountOptions.contains("suid"))
    }

    /// As host root on this machine's file systems the kernel's own namespace is taken.
    @Test(.enabled(if: Privilege.current == .hostRoot, "needs host root to set trusted.* xattrs"))
    func markersProbedInWorkDirectory() throws {
        let scratch = try ScratchDirectory("probe")
        defer { scratch.remove() }
        let work = try scratch.directory("work")
        #expect(try MarkerNamespaceProbe.namespace(workDirectory: work) == "trusted.overlay.")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty, "the probe file is removed")
    }

    @Test(arguments: [
        ("fusermount3: option allow_other only allowed if 'user_allow_other' is set in /etc/fuse.conf\n",
         "option allow_other only allowed if 'user_allow_other' is set in /etc/fuse.conf"),
        ("fusermount3: user has no write access to mountpoint /m\n", "user has no write access to mountpoint /m"),
        ("", nil),
    ])
    func fusermountReasons(_ output: String, _ reason: String?) {
        #expect(FUSESession.helperReason(output) == reason)
    }
}
