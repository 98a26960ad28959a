import Glibc
import LaminaSystem
import LaminaTestSupport
import Testing

/// A documented difference: kernel overlayfs writes absolute redirects of at most `redirect_max`
/// bytes (256 by default) and answers EXDEV past that (`mv` then copies the directory); Lamina
/// writes any redirect the upper file system's xattrs hold. The kernel reads such a redirect:
/// mounted on the upper layer Lamina left, it shows what Lamina showed.
@Suite("Redirects past the kernel's redirect_max", TestHost.mountComparisons)
struct LongRedirectTests {
    @Test("a 255-byte lower directory renamed into another directory")
    func longAbsoluteRedirect() throws {
        let scratch = try ScratchDirectory("long-redirect")
        defer { scratch.remove() }
        let long = String(decoding: OddNames.longest, as: UTF8.self)
        let stack = try MountedStack(
            "lamina", layers: ["mkdir -p merged/\(long) other; echo low > merged/\(long)/x"],
            kind: .implementation(try ImplementationUnderTest.selected()), in: scratch)
        try stack.mount.guarded { try PosixCall.rename(stack.merged("merged/" + long), to: stack.merged("other/moved")) }
        let view = stack.mount.guarded { TreeSnapshot.capture(stack.layout.mountpoint) }
        let problems = stack.finish()
        #expect(problems.isEmpty, "\(problems)")
        #expect(view.entries["other/moved/x"]?.content == Content(Array("low\n".utf8)), "\(view.entries.keys.sorted())")
        let upper = try #require(stack.layout.upper)
        let redirect = try FileDescriptor.open(upper + "/other/moved", flags: O_RDONLY | O_DIRECTORY)
        defer { redirect.close() }
        let value = try redirect.extendedAttribute("trusted.overlay.redirect")
        #expect((value?.count ?? 0) > 256, "an absolute redirect past 256 bytes: \(value?.count ?? 0)")

        let work = try scratch.directory("kernel-work")
        let mountpoint = try scratch.directory("kernel-merged")
        let layout = OverlayLayout(lowers: stack.layout.lowers, upper: upper, work: work, mountpoint: mountpoint)
        let guardian = LowerGuard(layers: layout.lowers)
        let kernel = try OverlayMount(.kernel(options: ["redirect_dir=on", "index=off", "metacopy=off"]), layout: layout)
        let kernelView = TreeSnapshot.capture(mountpoint)
        kernel.unmount()
        let differences = TreeComparison(referenceName: "kernel on Lamina's upper", candidateName: "lamina", policy: .visible(
            threshold: LayerStackFixture.epoch.advanced(bySeconds: 60))).differences(kernelView, view)
        let changes = kernel.problems + guardian.changes(by: kernel.name)
        #expect(changes.isEmpty, "\(changes)")
        #expect(differences.isEmpty, "\(differences)")
    }
}
