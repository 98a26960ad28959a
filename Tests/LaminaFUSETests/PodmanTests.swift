import Foundation
import Glibc
import Testing

/// podman with the implementation under test as its overlay `mount_program`, on private stores:
/// a container runs on it, and an image built on it has the same files as the same build on
/// kernel overlayfs (podman's own overlay driver) and on fuse-overlayfs.
@Suite("podman with the implementation as mount_program", .serialized, TestHost.mountComparisons, TestHost.podman)
struct PodmanTests {
    /// The program podman mounts with: `lamina-overlayfs` when testing Lamina.
    static func mountProgram() throws -> String {
        let implementation = try ImplementationUnderTest.selected()
        return implementation == .lamina
            ? try ImplementationUnderTest.laminaBinary("lamina-overlayfs") : try implementation.program()
    }

    static let containerfile = """
        FROM \(PodmanTools.baseImage)
        RUN mkdir -p /app/data /app/keep && echo one > /app/data/a && echo two > /app/data/b && chmod 0600 /app/data/b && echo k > /app/keep/k
        RUN echo changed >> /app/data/a && rm /app/data/b && rm /bin/vi && chmod 0700 /app/keep && ln /app/data/a /app/data/a-link
        RUN rm -rf /app/data && mkdir /app/data && echo three > /app/data/c && mv /app/keep /app/kept && chown 12:34 /etc/passwd
        """

    @Test("podman run on the mount program")
    func run() throws {
        let scratch = try ScratchDirectory("podman-run")
        defer { scratch.remove() }
        let tools = try PodmanTools(scratch: scratch)
        let store = try PodmanStore(name: "candidate", mountProgram: try Self.mountProgram(), scratch: scratch)
        defer { store.tearDown() }
        try store.podman(["import", tools.rootfsArchive, PodmanTools.baseImage])
        let result = try store.podman(
            ["run", "--rm", "--network", "none"] + PodmanStore.containerLimits + [
                PodmanTools.baseImage, "sh", "-c",
                "grep ' / ' /proc/mounts | cut -d' ' -f3; echo hello > /tmp/x; cat /tmp/x; rm /bin/vi; ls /bin/vi || true",
            ])
        #expect(result.output.hasPrefix("fuse"), "the container's root should be the FUSE mount: \(result.transcript)")
        #expect(result.output.contains("hello\n"), Comment(rawValue: result.transcript))
        #expect(result.errorOutput.contains("/bin/vi"), "removing a lower file: \(result.transcript)")
    }

    /// Compares the built images' files, not their raw layers: with a mount program podman makes
    /// each layer by diffing the mounted trees ("naive diff"), while its kernel driver diffs the
    /// upper directory, so the two layer listings differ legitimately (opaque marker against
    /// per-name whiteouts, copied-up `run` directories). What a user gets, the image's merged
    /// files, must be the same. Each image is mounted by its own store's driver.
    @Test("podman build makes an image with the same files as on kernel overlayfs and fuse-overlayfs")
    func build() throws {
        let scratch = try ScratchDirectory("podman-build")
        defer { scratch.remove() }
        let tools = try PodmanTools(scratch: scratch)
        let context = try scratch.directory("context")
        try Self.containerfile.write(toFile: context + "/Containerfile", atomically: false, encoding: .utf8)

        let program = try Self.mountProgram()
        var references: [(String, String?)] = [("kernel overlayfs", nil)]
        if try ImplementationUnderTest.selected() != .fuseOverlayfs, let fuseOverlayfs = TestHost.which("fuse-overlayfs") {
            references.append(("fuse-overlayfs", fuseOverlayfs))
        }
        var started = timespec()
        clock_gettime(CLOCK_REALTIME, &started)
        let threshold = Timestamp(seconds: started.tv_sec - 1, nanoseconds: started.tv_nsec)
        let candidate = try Self.buildImageTree(
            store: PodmanStore(name: "candidate", mountProgram: program, scratch: scratch), context: context, tools: tools)
        for (name, mountProgram) in references {
            let reference = try Self.buildImageTree(
                store: PodmanStore(name: name.replacingOccurrences(of: " ", with: "-"), mountProgram: mountProgram, scratch: scratch),
                context: context, tools: tools)
            #expect(reference.entries.count > 20, "fixture: the \(name) image has files")
            #expect(reference.entries["app/data/c"] != nil, "fixture: the last RUN step recreates /app/data on \(name)")
            // fuse-overlayfs 1.10 loses the deletion of the replaced /app/data: its layer carries
            // neither whiteouts nor an opaque marker, so `a` and `a-link` come back in its image
            // (kernel overlayfs, the reference, and Lamina both remove them). Those names only are
            // excused; any other difference fails.
            let fuseOverlayfsLosesDeletion = mountProgram != nil && reference.entries["app/data/a"] != nil
            let differences = TreeComparison(
                referenceName: name, candidateName: program, policy: .visible(threshold: threshold)
            ).differences(reference, candidate).filter { difference in
                !(fuseOverlayfsLosesDeletion
                    && (difference.hasPrefix("app/data/a: only in ") || difference.hasPrefix("app/data/a-link: only in ")
                        || difference.hasPrefix("hard link groups")))
            }
            #expect(differences.isEmpty, Comment(rawValue: "image built on \(program) differs from \(name):\n  "
                + differences.joined(separator: "\n  ")))
        }
    }

    /// Builds the Containerfile on `store` and reads the resulting image's files through
    /// `podman image mount`.
    private static func buildImageTree(store: PodmanStore, context: String, tools: PodmanTools) throws -> TreeSnapshot {
        defer { store.tearDown() }
        try store.podman(["import", tools.rootfsArchive, PodmanTools.baseImage])
        try store.podman(
            ["build", "--pull=never", "--network", "none"] + PodmanStore.containerLimits + [
                "-t", "localhost/lamina-built:test", context,
            ])
        let mounted = try store.podman(["image", "mount", "localhost/lamina-built:test"])
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        return TreeSnapshot.capture(mounted)
    }
}
