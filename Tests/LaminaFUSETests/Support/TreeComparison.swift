/// The differences between a reference tree (kernel overlayfs's) and a candidate (the
/// implementation under test's), one readable line each, under a `ComparisonPolicy`.
struct TreeComparison {
    let referenceName: String
    let candidateName: String
    let policy: ComparisonPolicy

    func differences(_ reference: TreeSnapshot, _ candidate: TreeSnapshot) -> [String] {
        var result: [String] = []
        for path in Set(reference.entries.keys).union(candidate.entries.keys).sorted() {
            switch (reference.entries[path], candidate.entries[path]) {
            case (let expected?, let actual?):
                result += differences(expected, actual).map { "\(path): \($0)" }
            case (let expected?, nil):
                result.append("\(path): only in \(referenceName) (\(expected.summary))")
            case (nil, let actual?):
                result.append("\(path): only in \(candidateName) (\(actual.summary))")
            case (nil, nil):
                break
            }
        }
        if !policy.identity {
            let expected = Self.linkGroups(reference)
            let actual = Self.linkGroups(candidate)
            if expected != actual {
                result.append(
                    "hard link groups (names sharing an inode): \(referenceName) \(expected), \(candidateName) \(actual)")
            }
        }
        return result
    }

    private func differences(_ expected: EntryRecord, _ actual: EntryRecord) -> [String] {
        var result: [String] = []
        func check<T: Equatable>(_ field: String, _ a: T, _ b: T, _ show: (T) -> String = { "\($0)" }) {
            if a != b { result.append("\(field) \(show(a)) (\(referenceName)) vs \(show(b)) (\(candidateName))") }
        }
        check("problems", expected.problems, actual.problems)
        check("type", expected.kind.rawValue, actual.kind.rawValue)
        guard expected.kind == actual.kind else { return result }
        check("mode", expected.permissions, actual.permissions) { String($0, radix: 8) }
        check("owner", "\(expected.owner):\(expected.group)", "\(actual.owner):\(actual.group)")
        let isDirectory = expected.kind == .directory
        if !isDirectory || policy.directoryDetails {
            check("size", expected.size, actual.size)
            check("link count", expected.linkCount, actual.linkCount)
        }
        check("content", expected.content, actual.content) { $0.map { "\($0)" } ?? "none" }
        check("symlink target", expected.linkTarget, actual.linkTarget) {
            $0.map { PathText.escape(bytes: $0) } ?? "none"
        }
        check("device", expected.device, actual.device) { $0.map { "\($0)" } ?? "none" }
        check("xattrs", expected.extendedAttributes, actual.extendedAttributes, Self.describe)
        if let timeDifference = timeDifference(expected.modified, actual.modified) {
            result.append("mtime \(timeDifference)")
        }
        if policy.identity {
            check("inode", expected.inode, actual.inode)
            check("device", expected.fileSystem, actual.fileSystem)
            check("ctime", expected.changed, actual.changed)
        }
        return result
    }

    private func timeDifference(_ expected: Timestamp, _ actual: Timestamp) -> String? {
        switch policy.times {
        case .exact:
            return expected == actual ? nil : "\(expected) (\(referenceName)) vs \(actual) (\(candidateName))"
        case .preservedOrFresh(let threshold):
            let expectedFresh = expected >= threshold
            let actualFresh = actual >= threshold
            if expectedFresh && actualFresh { return nil }
            if !expectedFresh && !actualFresh && expected == actual { return nil }
            func show(_ time: Timestamp, _ fresh: Bool) -> String { fresh ? "set during the scenario" : "\(time)" }
            return "\(show(expected, expectedFresh)) (\(referenceName)) vs \(show(actual, actualFresh)) (\(candidateName))"
        }
    }

    /// Names that share an inode (non-directories only), as sorted groups of two or more.
    /// Entries with `linkCount == 0` are left out: `UpperNormalisation` marks whiteouts so.
    static func linkGroups(_ snapshot: TreeSnapshot) -> [[String]] {
        var groups: [[UInt64]: [String]] = [:]
        for (path, entry) in snapshot.entries where entry.kind != .directory && entry.linkCount > 0 {
            groups[[entry.fileSystem, entry.inode], default: []].append(path)
        }
        return groups.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    static func describe(_ attributes: [String: [UInt8]]) -> String {
        let items = attributes.keys.sorted().map { name in
            let value = attributes[name] ?? []
            let printable = value.allSatisfy { $0 >= 0x20 && $0 < 0x7f }
            return "\(name)=" + (printable ? "\"\(String(decoding: value, as: UTF8.self))\"" : "<\(value.count) bytes>")
        }
        return "{" + items.joined(separator: ", ") + "}"
    }
}
