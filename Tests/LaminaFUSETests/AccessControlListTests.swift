import Foundation
import Glibc
import Testing

/// POSIX ACLs on kernel overlayfs and both Lamina front ends, over the same lower layer: lists
/// that deny a named user or group what the mode grants everyone, or grant what it does not, on
/// files and on a directory searched; default lists inherited by files, directories and fifos
/// made in place, over whiteouts (made in the work directory) and two levels down; a default
/// list the mode can say whole; the umask where no default list applies; a chmod narrowing a
/// list's mask; a list set through the mount on a lower file (copy-up); and set-group-ID after a
/// list set by a user outside the file's group, and by root. Every outcome must equal the
/// kernel's. Then `noacl`: the deny is no longer enforced, which is what the option means and
/// shows that the comparison can fail, while new entries still inherit default ACLs.
@Suite("POSIX ACLs", TestHost.mountComparisons)
struct AccessControlListTests {
    static var blocker: String? {
        TestHost.missingTool(["setfacl", "getfacl", "setpriv", "stat", "mkfifo"]).map {
            "ACL tests need \($0) (scripts/install-deps installs acl and util-linux)"
        }
    }

    @Test("permission checks, inherited lists, umask, chmod, copy-up and set-group-ID: as the kernel's")
    func sameAsKernel() throws {
        if let blocker = Self.blocker {
            print("skipped: \(blocker)")
            return
        }
        let scratch = try ScratchDirectory("acl")
        defer { scratch.remove() }
        let lowers = try MountedStack.build([Self.lowerLayer], in: scratch.path + "/lower", scratch: scratch)
        let guardian = LowerGuard(layers: lowers)
        let kinds: [OverlayMount.Kind] = [.kernel(options: [])] + ImplementationUnderTest.laminaFrontEnds.map { .implementation($0) }
        var reference: ScriptRun?
        for (index, kind) in kinds.enumerated() {
            let run = try ScriptRun(Self.script, on: kind, index: index, lowers: lowers, scratch: scratch)
            if case .implementation = kind {
                if run.transport.contains("the kernel does not offer POSIX ACLs") {
                    print("note: the kernel does not offer POSIX ACLs to FUSE; \(run.name) is not compared")
                    continue
                }
                #expect(run.transport.contains("ACLs checked by the kernel"), "\(run.name): \(run.transport)")
            }
            if let reference {
                let differences = run.differences(from: reference)
                #expect(run.lines.count == reference.lines.count && differences.isEmpty, "\(differences)")
            } else {
                // The fixture must exercise what it claims: the kernel denied and granted by list,
                // a file made under a default list got its mode from the list and not the umask,
                // and set-group-ID went for a user outside the group and stayed for root.
                let outcomes = run.lines
                #expect(outcomes.contains("read denied: 1") && outcomes.contains("read granted: 0"), "\(outcomes)")
                #expect(outcomes.contains("mode dflt/new: 660"), "\(outcomes)")
                #expect(outcomes.contains("mode sgid-user: 755") && outcomes.contains("mode sgid-root: 2755"), "\(outcomes)")
                reference = run
            }
        }
        // noacl: the kernel checks the mode bits alone, so the list's deny is not enforced.
        let unchecked = try ScriptRun(Self.script, on: .implementation(.laminaOverlayfs, options: ["noacl"]),
                                      index: kinds.count, lowers: lowers, scratch: scratch)
        let (name, outcomes, transport) = (unchecked.name, unchecked.lines, unchecked.transport)
        #expect(transport.contains("ACLs not checked (noacl)"), "\(name): \(transport)")
        #expect(outcomes.contains("read denied: 0"), "\(name): \(outcomes)")
        // The umask stays the daemon's, so default ACLs are still inherited as the kernel does.
        #expect(outcomes.contains("mode dflt/new: 660") && outcomes.contains("mode umask-file: 640"), "\(name): \(outcomes)")
        let changes = guardian.changes(by: "the mounts")
        #expect(changes.isEmpty, "\(changes)")
    }

    /// With an owner mapping (`uidmapping=`/`gidmapping=`, as podman passes for `--uidmap`), the
    /// users and groups a list names are mapped as owners are: a list stored for disk user 5 shows
    /// user 100005 and lets that user read; one set through the mount for user 100007 and group
    /// 100008 is stored for 7 and 8. No kernel overlayfs to compare with here (it has no such
    /// option): the expected values are the mapping's.
    @Test("an owner mapping maps the users and groups ACLs name, both ways")
    func mappedOwners() throws {
        if let blocker = Self.blocker {
            print("skipped: \(blocker)")
            return
        }
        let scratch = try ScratchDirectory("acl-mapped")
        defer { scratch.remove() }
        let lowers = try MountedStack.build(["echo data > f; chmod 640 f; setfacl -m u:5:r-- f; echo data > g; chmod 600 g"],
                                            in: scratch.path + "/lower", scratch: scratch)
        let mapping = ["uidmapping=0:100000:65536", "gidmapping=0:100000:65536"]
        let stack = try MountedStack("mapped", lowers: lowers, kind: .implementation(.laminaOverlayfs, options: mapping), in: scratch)
        let result = try stack.mount.guarded {
            try Command.shell("""
                getfacl -cn f | tr '\\n' ' '; echo
                setpriv --reuid=100005 --regid=100005 --clear-groups cat f
                setfacl -m u:100007:r--,g:100008:r-- g && echo set
                """, in: stack.layout.mountpoint)
        }
        let upper = try #require(stack.layout.upper)
        let stored = try Command.run("getfacl", ["-cn", upper + "/g"])
        let problems = stack.finish()
        #expect(problems.isEmpty, "\(problems)")
        #expect(result.output.contains("user:100005:r--"), Comment(rawValue: result.transcript))
        #expect(result.output.contains("data\nset\n"), "the mapped user reads; setfacl works: \(result.transcript)")
        #expect(stored.output.contains("user:7:r--") && stored.output.contains("group:8:r--"), Comment(rawValue: stored.transcript))
    }

    /// One lower layer, made as root with setfacl.
    static let lowerLayer = """
        echo secret > denied; chmod 644 denied; setfacl -m u:nobody:--- denied
        echo secret > group-denied; chmod 644 group-denied; setfacl -m g:nogroup:--- group-denied
        echo data > granted; chmod 640 granted; setfacl -m u:nobody:r-- granted
        mkdir private; echo data > private/file; chmod 755 private; setfacl -m u:nobody:--- private
        mkdir dflt; setfacl -d -m u:nobody:rwx,g::r-x,o::--- dflt; echo old > dflt/old; mkdir dflt/olddir
        mkdir plain-default; setfacl -d -m u::rwx,g::r-x,o::--- plain-default
        echo data > narrowed; chmod 660 narrowed; setfacl -m u:nobody:rw- narrowed
        echo data > set-later; chmod 600 set-later
        echo data > sgid-user; chown 65534:0 sgid-user; chmod 2755 sgid-user
        echo data > sgid-root; chown 65534:0 sgid-root; chmod 2755 sgid-root

        """

    /// Run as root in the mount point; one line per outcome.
    static let script = """
        user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
        try() { label="$1"; shift; "$@" >/dev/null 2>&1; echo "$label: $?"; }
        acl() { echo "acl $1: $(getfacl -cp "$1" 2>&1 | tr '\\n' ' ')"; }
        mode() { echo "mode $1: $(stat -c %a "$1")"; }
        try "read denied" user cat denied
        try "read group-denied" user cat group-denied
        try "read granted" user cat granted
        try "read private/file" user cat private/file
        try "list private" user ls private
        umask 022
        touch dflt/new; mkdir dflt/sub; mkfifo dflt/fifo; ln -s new dflt/link
        rm dflt/old; echo new > dflt/old; rmdir dflt/olddir; mkdir dflt/olddir
        mkdir dflt/sub/deeper; touch dflt/sub/deeper/file
        touch plain-default/new; mkdir plain-default/sub
        for f in dflt/new dflt/sub dflt/fifo dflt/old dflt/olddir dflt/sub/deeper dflt/sub/deeper/file plain-default/new plain-default/sub; do
            mode "$f"; acl "$f"
        done
        mode dflt/link
        try "write dflt/new" user sh -c 'echo x >> dflt/new'
        try "read dflt/sub/deeper/file" user cat dflt/sub/deeper/file
        umask 027; touch umask-file; mkdir umask-dir; mode umask-file; mode umask-dir; umask 022
        try "write narrowed" user sh -c 'echo x >> narrowed'
        chmod 640 narrowed; mode narrowed; acl narrowed
        try "write narrowed after chmod" user sh -c 'echo x >> narrowed'
        try "read narrowed after chmod" user cat narrowed
        try "read set-later" user cat set-later
        setfacl -m u:nobody:r-- set-later; mode set-later; acl set-later
        try "read set-later after setfacl" user cat set-later
        try "setfacl sgid-user" user setfacl -m u:1:r-- sgid-user; mode sgid-user; acl sgid-user
        setfacl -m u:1:r-- sgid-root; mode sgid-root; acl sgid-root
        setfacl -b granted; mode granted; acl granted
        try "read granted after setfacl -b" user cat granted

        """
}
