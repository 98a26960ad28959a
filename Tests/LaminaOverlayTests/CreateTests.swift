import Glibc
import LaminaSystem
import Testing
@testable import LaminaOverlay

@Suite struct CreateTests {
    @Test func createdEntriesBelongToCallerWithUmask() throws {
        let fixture = try LayerFixture()
        try fixture.directory("l0/d")
        let overlay = try fixture.overlay()
        let caller = Caller(uid: 1000, gid: 1001, umask: 0o027)
        let d = try overlay.node("d")
        let (file, handle) = try overlay.create(parent: d, name: "f", mode: 0o666, flags: O_RDWR, caller: caller)
        try FileDescriptor(rawValue: overlay.descriptor(for: handle.handle)).write(Array("hi".utf8), at: 0)
        overlay.release(handle.handle)
        #expect(file.attributes.st_uid == 1000 && file.attributes.st_gid == 1001)
        #expect(file.attributes.st_mode & 0o7777 == 0o640)
        let directory = try overlay.makeDirectory(parent: d, name: "sub", mode: 0o777, caller: caller)
        #expect(directory.attributes.st_mode & 0o7777 == 0o750)
        let link = try overlay.makeSymbolicLink(parent: d, name: "link", target: Array("f".utf8), caller: caller)
        #expect(link.attributes.st_uid == 1000)
        let fifo = try overlay.makeNode(parent: d, name: "fifo", mode: S_IFIFO | 0o644, device: 0, caller: caller)
        #expect(fifo.attributes.st_mode & S_IFMT == S_IFIFO)
        #expect(try overlay.names("d") == ["f", "fifo", "link", "sub"])
        #expect(try fixture.contents("upper/d/f") == "hi")
        #expect(try fixture.overlay().names("d") == ["f", "fifo", "link", "sub"])
    }

    @Test func createExistingName() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/f", "lower")
        let overlay = try fixture.overlay()
        #expect(overlay.errno {
            _ = try overlay.create(parent: Overlay.rootNode, name: "f", mode: 0o644, flags: O_WRONLY | O_CREAT | O_EXCL, caller: rootCaller)
        } == EEXIST)
        let (entry, file) = try overlay.create(parent: Overlay.rootNode, name: "f", mode: 0o644, flags: O_RDONLY | O_CREAT, caller: rootCaller)
        overlay.release(file.handle)
        #expect(entry.attributes.st_size == 5)
        #expect(overlay.errno { _ = try overlay.makeDirectory(parent: Overlay.rootNode, name: "f", mode: 0o755, caller: rootCaller) } == EEXIST)
    }

    @Test(arguments: [WhiteoutFormat.device, .oci])
    func createOverDeletedName(format: WhiteoutFormat) throws {
        let fixture = try LayerFixture(lowers: 2)
        try fixture.file("l1/f", "old")
        try fixture.directory("l0")
        let overlay = try fixture.overlay()
        try overlay.removeFile(parent: Overlay.rootNode, name: "f")
        if format == .oci {
            // Put the upper whiteout in OCI form instead of the device the engine wrote.
            try fixture.root.unlink("upper/f")
            try fixture.file("upper/.wh.f")
        }
        let again = try fixture.overlay()
        #expect(try again.names("").isEmpty)
        let (_, file) = try again.create(parent: Overlay.rootNode, name: "f", mode: 0o644, flags: O_WRONLY, caller: rootCaller)
        again.release(file.handle)
        #expect(try again.read("f") == "")
        #expect(try fixture.status("upper/.wh.f") == nil)
        #expect(try fixture.overlay().names("") == ["f"])
        try again.removeFile(parent: Overlay.rootNode, name: "f")
        #expect(try fixture.overlay().names("").isEmpty)
    }

    @Test func whiteoutNamesCannotBeCreated() throws {
        let fixture = try LayerFixture()
        let overlay = try fixture.overlay()
        #expect(overlay.errno {
            _ = try overlay.create(parent: Overlay.rootNode, name: ".wh.x", mode: 0o644, flags: O_WRONLY, caller: rootCaller)
        } == EINVAL)
        #expect(overlay.errno {
            _ = try overlay.makeNode(parent: Overlay.rootNode, name: "w", mode: S_IFCHR | 0o600, device: 0, caller: rootCaller)
        } == EPERM)
    }

    @Test func statisticsAndSync() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/f", "x")
        let overlay = try fixture.overlay()
        let (entry, file) = try overlay.create(parent: Overlay.rootNode, name: "g", mode: 0o644, flags: O_RDWR, caller: rootCaller)
        try overlay.allocate(handle: file.handle, node: entry.node, mode: 0, offset: 0, length: 4096)
        try overlay.synchronize(handle: file.handle, node: entry.node, dataOnly: true)
        try overlay.flush(file.handle)
        overlay.release(file.handle)
        #expect(try overlay.entry("g").attributes.st_size == 4096)
        let directory = try overlay.openDirectory(Overlay.rootNode)
        try overlay.synchronizeDirectory(directory.handle, dataOnly: false)
        overlay.releaseDirectory(directory.handle)
        #expect(try overlay.statistics(of: Overlay.rootNode).f_blocks > 0)
    }

    @Test func unlinkedOpenFileKeepsAttributes() throws {
        let fixture = try LayerFixture()
        let overlay = try fixture.overlay()
        let (entry, file) = try overlay.create(parent: Overlay.rootNode, name: "t", mode: 0o600, flags: O_RDWR, caller: rootCaller)
        try overlay.removeFile(parent: Overlay.rootNode, name: "t")
        #expect(try overlay.attributes(of: entry.node).st_nlink == 0)
        overlay.release(file.handle)
        // The kernel still holds the node (it may have opened the file without telling us): the
        // engine kept a descriptor, until the kernel forgets the node.
        #expect(try overlay.attributes(of: entry.node).st_nlink == 0)
        try overlay.withDescriptor(handle: 0, node: entry.node, writing: true) { descriptor in
            #expect(pwrite(descriptor, "kept", 4, 0) == 4)
        }
        #expect(try overlay.attributes(of: entry.node).st_size == 4)
        overlay.forget(entry.node, lookups: 1)
        #expect(overlay.errno { _ = try overlay.attributes(of: entry.node) } == ENOENT)
    }

    @Test func writingWithoutAHandleCopiesUpFirst() throws {
        let fixture = try LayerFixture()
        try fixture.file("l0/d/f", "lower")
        let overlay = try fixture.overlay()
        let node = try overlay.node("d/f")
        let read = try overlay.withDescriptor(handle: 0, node: node, writing: false) { descriptor in
            var buffer = [UInt8](repeating: 0, count: 16)
            return pread(descriptor, &buffer, 16, 0)
        }
        #expect(read == 5)
        #expect(try fixture.status("upper/d/f") == nil, "reading copies nothing up")
        try overlay.withDescriptor(handle: 0, node: node, writing: true) { descriptor in
            #expect(pwrite(descriptor, "UP", 2, 0) == 2)
        }
        #expect(try fixture.contents("upper/d/f") == "UPwer")
        #expect(try fixture.contents("l0/d/f") == "lower", "the lower layer is untouched")
    }
}
