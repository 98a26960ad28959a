import Glibc
import LaminaSystem

/// `TreeSnapshot.capture` by bytes: every name is read from getdents64 as bytes and reached with
/// descriptor-relative calls, so names that are not UTF-8 (and NFC/NFD pairs) are walked and told
/// apart. Keys are `BytePath.description` (`ByteText.unambiguous` per name), so the result feeds
/// `TreeComparison` and `UpperNormalisation` unchanged.
enum ByteTreeSnapshot {
    static func capture(_ root: String) -> TreeSnapshot {
        var snapshot = TreeSnapshot(root: root, entries: [:])
        do {
            let top = try FileDescriptor.open(root, flags: O_RDONLY | O_DIRECTORY)
            defer { top.close() }
            snapshot.entries["."] = record(of: .root, in: top)
            walk(top, .root, into: &snapshot)
        } catch {
            snapshot.entries["."] = EntryRecord(problems: ["\(error)"])
        }
        return snapshot
    }

    /// The entry at `path` under `root`, read as the snapshot reads it.
    static func record(of path: BytePath, in root: FileDescriptor) -> EntryRecord {
        var record = EntryRecord()
        do {
            let info = try root.status(of: path)
            record = TreeSnapshot.fields(of: info)
            switch record.kind {
            case .regular:
                let file = try root.open(path, flags: O_RDONLY | O_NOFOLLOW)
                defer { file.close() }
                record.content = Content(try TreeSnapshot.readAll(file))
            case .symlink: record.linkTarget = try root.readSymbolicLink(path)
            case .characterDevice, .blockDevice: record.device = MajorMinor(info.st_rdev)
            default: break
            }
            record.extendedAttributes = try extendedAttributes(of: path, in: root)
        } catch {
            record.problems.append("\(error)")
        }
        return record
    }

    private static func walk(_ root: FileDescriptor, _ directory: BytePath, into snapshot: inout TreeSnapshot) {
        let records: [DirectoryRecord]
        do {
            let handle = try root.open(directory, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            defer { handle.close() }
            records = try handle.directoryRecords()
        } catch {
            snapshot.entries[directory.description, default: EntryRecord()].problems.append("\(error)")
            return
        }
        for child in records.map({ directory.appending($0.name.bytes) }) {
            let key = child.description
            if snapshot.entries[key] != nil {
                snapshot.entries[key]?.problems.append("listed more than once by readdir")
                continue
            }
            let entry = record(of: child, in: root)
            snapshot.entries[key] = entry
            if entry.kind == .directory { walk(root, child, into: &snapshot) }
        }
    }

    private static func extendedAttributes(of path: BytePath, in root: FileDescriptor) throws(SystemError) -> [String: [UInt8]] {
        let names: [String]
        do { names = try root.extendedAttributeNames(of: path) } catch where error.errno == ENOTSUP { return [:] }
        var result: [String: [UInt8]] = [:]
        for name in names { result[name] = try root.extendedAttribute(name, of: path) }
        return result
    }
}
