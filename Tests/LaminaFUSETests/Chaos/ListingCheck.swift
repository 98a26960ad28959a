import Glibc
import LaminaSystem

/// What must hold in a quiet tree, however it got there: every name a directory lists can be
/// looked up (lstat), every name that can be looked up is listed by its directory, and listing
/// again gives the same names. Run after concurrent workloads stop, on the kernel's mount (where
/// it always holds) and on Lamina's.
enum ListingCheck {
    /// One line per violation: under `root`, for the tree reachable from it and for the `paths` a
    /// workload used.
    static func problems(root: FileDescriptor, paths: [BytePath]) -> [String] {
        var problems: [String] = []
        let first = listings(root)
        for (directory, names) in first.sorted(by: { $0.key < $1.key }) {
            for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                let path = directory.appending(name)
                do { _ = try root.status(of: path) } catch {
                    problems.append("\(path) is listed by readdir but lstat fails: \(ErrnoName.of(error.errno))")
                }
            }
        }
        for path in paths where !path.isRoot {
            guard (try? root.status(of: path)) != nil else { continue }
            if first[path.parent]?.contains(path.name) != true {
                problems.append("\(path) exists (lstat succeeds) but readdir of \(path.parent) does not list it")
            }
        }
        let second = listings(root)
        for directory in Set(first.keys).union(second.keys).sorted() where first[directory] != second[directory] {
            let before = (first[directory] ?? []).map(BytePath.escaped).sorted()
            let after = (second[directory] ?? []).map(BytePath.escaped).sorted()
            problems.append("two listings of \(directory) in a quiet tree differ: \(before) then \(after)")
        }
        return problems
    }

    /// The names each directory under `root` lists (the root itself included), by directory.
    static func listings(_ root: FileDescriptor) -> [BytePath: Set<[UInt8]>] {
        var result: [BytePath: Set<[UInt8]>] = [:]
        func visit(_ directory: BytePath) {
            guard let handle = try? root.open(directory, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW) else { return }
            defer { handle.close() }
            let records = (try? handle.directoryRecords()) ?? []
            result[directory] = Set(records.map(\.name.bytes))
            for record in records where record.type == UInt8(DT_DIR) { visit(directory.appending(record.name.bytes)) }
        }
        visit(.root)
        return result
    }
}
