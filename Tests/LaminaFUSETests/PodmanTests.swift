import Testing

/// podman with the implementation under test as its overlay `mount_program`, on private stores:
/// a container runs on it, and an image built on it has the same layers as the same build on
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

    @Test("podman build makes the same layers as kernel overlayfs and fuse-overlayfs")
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
        let candidate = try Self.buildLayers(
            store: PodmanStore(name: "candidate", mountProgram: program, scratch: scratch), context: context, tools: tools)
        for (name, mountProgram) in references {
            let reference = try Self.buildLayers(
                store: PodmanStore(name: name.replacingOccurrences(of: " ", with: "-"), mountProgram: mountProgram, scratch: scratch),
                context: context, tools: tools)
            #expect(reference.count > 4, "fixture: the \(name) build has layer entries")
            let missing = reference.filter { !candidate.contains($0) }
            let extra = candidate.filter { !reference.contains($0) }
            let built = { (lines: [String]) in lines.filter { !$0.hasPrefix("layer 0:") }.joined(separator: "\n    ") }
            #expect(
                missing.isEmpty && extra.isEmpty,
                Comment(rawValue: "layers built on \(program) differ from \(name):\n"
                    + (missing.map { "  only on \(name): \($0)" } + extra.map { "  only on \(program): \($0)" })
                    .joined(separator: "\n")
                    + "\nRUN layers on \(name):\n    \(built(reference))\nRUN layers on \(program):\n    \(built(candidate))"))
        }
    }

    private static func buildLayers(store: PodmanStore, context: String, tools: PodmanTools) throws -> [String] {
        defer { store.tearDown() }
        try store.podman(["import", tools.rootfsArchive, PodmanTools.baseImage])
        try store.podman(
            ["build", "--pull=never", "--network", "none"] + PodmanStore.containerLimits + [
                "-t", "localhost/lamina-built:test", context,
            ])
        return try store.layerListing(of: "localhost/lamina-built:test", tools: tools)
    }
}
