import Testing

/// The result of one `MountComparison`: every difference found, and what each side printed, so a
/// failing test explains itself.
struct ComparisonReport {
    let scenario: String
    let implementation: String
    let reference: ComparisonSide.Outcome
    let candidate: ComparisonSide.Outcome
    /// What the kernel's copy of the layers was converted from (see `KernelFormat`).
    let conversions: [String]
    var differences: [String] = []

    /// For `#expect(report.differences.isEmpty, report.explanation)`.
    var explanation: Comment {
        let shown = differences.prefix(60)
        var lines = ["\(differences.count) difference(s) between kernel overlayfs and \(implementation) in \"\(scenario)\":"]
        lines += shown.map { "  - \($0)" }
        if differences.count > shown.count { lines.append("  ... and \(differences.count - shown.count) more") }
        if !conversions.isEmpty { lines.append("kernel's copy converted: " + conversions.joined(separator: "; ")) }
        lines.append("script output, kernel overlayfs:\n" + reference.transcript)
        lines.append("script output, \(implementation):\n" + candidate.transcript)
        if !candidate.daemonOutput.isEmpty { lines.append("\(implementation) stderr:\n" + candidate.daemonOutput) }
        return Comment(rawValue: lines.joined(separator: "\n"))
    }
}
