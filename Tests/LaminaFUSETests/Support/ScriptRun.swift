import Testing

/// One run of a shell script, as root, in a fresh mount of one kind over given lower layers, for
/// suites that compare the script's lines with kernel overlayfs's (`SetIDTests`,
/// `AccessControlListTests`). The mount's own checks (`MountedStack.finish`) and the script's exit
/// status are expected to pass; the lines and the daemon's transport line are kept.
struct ScriptRun {
    let name: String
    let lines: [String]
    /// Lamina's `transport: ...` line from the daemon's output; empty for the others.
    let transport: String

    init(_ script: String, on kind: OverlayMount.Kind, index: Int, lowers: [String], scratch: ScratchDirectory) throws {
        let stack = try MountedStack("side\(index)", lowers: lowers, kind: kind, in: scratch, guardsLowers: false)
        name = stack.mount.name
        let result = try stack.mount.guarded { try Command.shell(script, in: stack.layout.mountpoint) }
        let problems = stack.finish()
        #expect(problems.isEmpty, "\(stack.mount.name): \(problems)")
        #expect(result.status == 0, "\(stack.mount.name): \(result.transcript)")
        lines = result.output.split(separator: "\n").map(String.init)
        transport = stack.mount.daemonOutput.split(separator: "\n").first { $0.contains("transport: ") }.map(String.init) ?? ""
    }

    /// The lines that differ from `reference`'s, each as "REFERENCE line | NAME line".
    func differences(from reference: ScriptRun) -> [String] {
        zip(reference.lines, lines).filter { $0 != $1 }.map { "\(reference.name) \($0) | \(name) \($1)" }
    }
}
