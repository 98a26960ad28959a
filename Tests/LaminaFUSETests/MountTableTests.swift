import Testing
@testable import LaminaFUSE

/// Parsing /proc/self/mountinfo, including octal escapes in paths.
@Suite struct MountTableTests {
    @Test func parsesMountPointTypeAndSource() {
        let text = """
            22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
            42 22 0:39 / /tmp/with\\040space rw,nosuid - fuse.lamina-overlayfs overlay rw,user_id=0
            43 22 0:40 / /tmp/with\\040space rw - tmpfs tmpfs rw
            """
        let table = MountTable(parsing: text)
        #expect(table.mounts.count == 3)
        #expect(table.mount(at: "/tmp/with space")?.type == "tmpfs")
        #expect(table.mount(at: "/") == MountTable.Mount(mountPoint: "/", type: "ext4", source: "/dev/vda"))
        #expect(table.mount(at: "/tmp") == nil)
    }

    @Test func readsThisProcess() throws {
        let table = try MountTable.current()
        #expect(table.mount(at: "/") != nil)
    }
}
