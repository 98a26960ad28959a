import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// POSIX ACLs in an image, end to end: lists set on a container's files are kept by `lamina
/// commit`, applied again when the image is unpacked, and enforced in a container run from it: a
/// list denying uid 65534 a file the mode lets everyone read holds, and files made under a
/// directory's default list get the modes kernel overlayfs gives them (660 and 770 under
/// `u:65534:rwx,o::---` with umask 022). The build before ACLs were checked let uid 65534 read.
@Suite(.serialized, .enabled(if: CLIFixture.enabled(CLIFixture.containerSkipReason, "AccessControlRunTests")))
struct AccessControlRunTests {
    @Test func listsInAnImageAreEnforced() throws {
        guard let setfacl = Tool.find("setfacl") else {
            print("AccessControlRunTests skipped: needs setfacl (scripts/install-deps installs acl)")
            return
        }
        let fixture = try CLIFixture()
        try fixture.lamina("run", "--name", "maker", "sample:1", "sh", "-c",
                           "echo secret > /denied; chmod 644 /denied; mkdir /shared; chmod 755 /shared").check()
        // The lists go onto the container's upper layer from the host, as a build step's setfacl would.
        let containers = fixture.store + "/containers"
        let ids = try FileManager.default.contentsOfDirectory(atPath: containers)
        let upper = try #require(ids.count == 1 ? containers + "/" + ids[0] + "/upper" : nil, "one container: \(ids)")
        try Tool.run(setfacl, ["-m", "u:65534:---", upper + "/denied"])
        try Tool.run(setfacl, ["-d", "-m", "u:65534:rwx,o::---", upper + "/shared"])
        try fixture.lamina("commit", "-t", "acl:1", "maker").check()

        let denied = try fixture.lamina("run", "--rm", "-u", "65534", "acl:1", "cat", "/denied")
        #expect(denied.code != 0 && denied.error.contains("Permission denied"), "\(denied)")
        let owner = try fixture.lamina("run", "--rm", "acl:1", "cat", "/denied")
        #expect(owner.output == "secret\n", "\(owner)")
        let inherited = try fixture.lamina("run", "--rm", "acl:1", "sh", "-c",
                                           "umask 022; touch /shared/f; mkdir /shared/d; stat -c '%a %n' /shared/f /shared/d")
        #expect(inherited.output == "660 /shared/f\n770 /shared/d\n", "\(inherited)")
    }
}
