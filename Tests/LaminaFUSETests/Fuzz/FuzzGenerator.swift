import Glibc
import LaminaOverlay
import LaminaSystem
import LaminaTestSupport

/// Chooses the fuzz test's next operation from a seeded generator and the tree as kernel overlayfs
/// shows it now, so most steps name entries that exist (a rename of a real directory, an unlink of
/// a real file) and the rest name new or missing ones. The kernel is deterministic, so one seed
/// gives one sequence of steps.
///
/// Not thread-safe: one run owns it.
struct FuzzGenerator {
    /// An entry of the current tree and its type (DT_DIR, DT_REG, DT_LNK).
    struct Entry {
        var path: BytePath
        var type: UInt8
        var isDirectory: Bool { type == UInt8(DT_DIR) }
    }

    private var random: SeededRandom
    /// Names a new entry may get: short ones that meet again often, and the odd ones.
    private let names: [[UInt8]] = ["a", "b", "c", "d", "f1", "deep", "hl1"].map { Array($0.utf8) }
        + [OddNames.longest, OddNames.latin1, OddNames.nfc, OddNames.nfd]
    private let attributeNames = ["user.a", "user.b", "user.low"]
    /// The tree size past which removals outweigh creations.
    static let crowded = 70

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    /// Every entry under `root`, the root itself first, in byte order.
    static func entries(under root: FileDescriptor) -> [Entry] {
        var result = [Entry(path: .root, type: UInt8(DT_DIR))]
        func visit(_ directory: BytePath) {
            guard let handle = try? root.open(directory, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW) else { return }
            defer { handle.close() }
            let records = (try? handle.directoryRecords()) ?? []
            for record in records.sorted(by: { $0.name < $1.name }) {
                let entry = Entry(path: directory.appending(record.name.bytes), type: record.type)
                result.append(entry)
                if entry.isDirectory { visit(entry.path) }
            }
        }
        visit(.root)
        return result
    }

    mutating func next(tree: [Entry]) -> FuzzOperation {
        let directories = tree.filter(\.isDirectory).map(\.path)
        let files = tree.filter { !$0.isDirectory }.map(\.path)
        let all = tree.dropFirst().map(\.path)
        func pick(_ paths: [BytePath]) -> BytePath {
            paths.isEmpty ? newPath(directories) : paths[Int.random(in: 0..<paths.count, using: &random)]
        }
        func existingOrNew(_ paths: [BytePath], percentExisting: Int) -> BytePath {
            random.chance(percentExisting) ? pick(paths) : newPath(directories)
        }
        // A tree past `crowded` entries grows more slowly than it shrinks, so a long run stays small
        // (each step walks it, and every view comparison reads all of it).
        let growth = tree.count > Self.crowded ? 1 : 3
        let kind = random.weighted([
            ("create", 3 * growth), ("write", 12), ("read", 8), ("truncate", 5), ("rename", 14), ("link", 2 * growth),
            ("unlink", 7 * (4 - growth)), ("rmdir", 5 * (4 - growth)), ("mkdir", 2 * growth), ("chmod", 3), ("setxattr", 4),
            ("removexattr", 3), ("acl", 3), ("symlink", growth), ("openUnlink", 4), ("openRename", 3), ("opendirRename", 3), ("stat", 4), ("list", 5), ("readlink", 1),
        ])
        switch kind {
        case "create":
            return .create(existingOrNew(all, percentExisting: 25), exclusive: random.chance(50), mode: mode(files: true))
        case "write":
            return .write(existingOrNew(files, percentExisting: 80), offset: offset(), data: data(), creating: random.chance(40))
        case "read": return .read(existingOrNew(files, percentExisting: 90))
        case "truncate": return .truncate(existingOrNew(files, percentExisting: 90), size: offset())
        case "rename":
            let source = random.chance(35) ? pick(Array(directories.dropFirst())) : pick(all)
            let target = random.chance(35) ? pick(all) : newPath(directories)
            return .rename(source, target, flags: random.weighted([(.none, 80), (.noReplace, 12), (.exchange, 8)]))
        case "link": return .link(pick(files), existingOrNew(all, percentExisting: 20))
        case "unlink": return .unlink(existingOrNew(random.chance(90) ? files : all, percentExisting: 90))
        case "rmdir": return .removeDirectory(existingOrNew(random.chance(90) ? directories : all, percentExisting: 90))
        case "mkdir": return .makeDirectory(existingOrNew(all, percentExisting: 15), mode: mode(files: false))
        case "chmod": return .changeMode(pick(all), mode: mode(files: !random.chance(30)))
        case "setxattr":
            return .setAttribute(pick(all), name: attribute(), value: Array("v\(Int.random(in: 0..<100, using: &random))".utf8))
        case "removexattr": return .removeAttribute(pick(all), name: attribute())
        case "acl":
            // An access list on anything, or a default list (on a directory, mostly): new entries
            // under it inherit it, and a list on a non-directory is refused alike.
            let isDefault = random.chance(40)
            let path = isDefault && random.chance(85) ? pick(directories) : pick(all)
            return .setAttribute(path, name: isDefault ? AccessControlList.defaultAttribute : AccessControlList.accessAttribute,
                                 value: accessControlList().attribute)
        case "symlink":
            let target = random.chance(50) ? pick(all).bytes : random.weighted([(Array("nowhere".utf8), 1), (OddNames.symlinkTarget, 1)])
            return .symlink(target: target, existingOrNew(all, percentExisting: 10))
        case "openUnlink": return .openUnlinkWrite(pick(files), offset: offset(), data: data())
        case "openRename": return .openRenameWrite(pick(files), existingOrNew(all, percentExisting: 30), data: data())
        case "opendirRename":
            return .openDirectoryRenameCreate(
                pick(Array(directories.dropFirst())), existingOrNew(directories, percentExisting: 20),
                name: names[Int.random(in: 0..<names.count, using: &random)])
        case "stat": return .status(existingOrNew(all, percentExisting: 85))
        case "list": return .list(pick(directories))
        default: return .readLink(pick(files))
        }
    }

    private mutating func newPath(_ directories: [BytePath]) -> BytePath {
        let directory = directories.isEmpty ? BytePath.root : directories[Int.random(in: 0..<directories.count, using: &random)]
        return directory.appending(names[Int.random(in: 0..<names.count, using: &random)])
    }

    private mutating func offset() -> Int {
        random.weighted([(0, 3), (Int.random(in: 0..<64, using: &random), 3), (Int.random(in: 0..<9000, using: &random), 2)])
    }

    private mutating func data() -> FuzzData {
        FuzzData(fill: UInt8.random(in: 0x41...0x5a, using: &random), count: random.weighted([
            (Int.random(in: 1..<16, using: &random), 4), (Int.random(in: 1..<5000, using: &random), 2),
            (Int.random(in: 60_000..<140_000, using: &random), 1),
        ]))
    }

    private mutating func mode(files: Bool) -> mode_t {
        let choices: [mode_t] = files ? [0o644, 0o600, 0o755, 0o444, 0o4755] : [0o755, 0o700, 0o555, 0o1777]
        return choices[Int.random(in: 0..<choices.count, using: &random)]
    }

    /// A valid list: the owner, the owning group and others with random permissions, and a named
    /// user and group (65534) with the mask they need, or none of them.
    private mutating func accessControlList() -> AccessControlList {
        typealias Tag = AccessControlList.Tag
        func permissions() -> UInt16 { UInt16.random(in: 0...7, using: &random) }
        var entries: [AccessControlList.Entry] = [.init(tag: Tag.owner, permissions: permissions())]
        let named = random.chance(70)
        if named { entries.append(.init(tag: Tag.user, permissions: permissions(), id: 65534)) }
        entries.append(.init(tag: Tag.owningGroup, permissions: permissions()))
        if named && random.chance(50) { entries.append(.init(tag: Tag.group, permissions: permissions(), id: 65534)) }
        if named { entries.append(.init(tag: Tag.mask, permissions: permissions())) }
        entries.append(.init(tag: Tag.other, permissions: permissions()))
        return AccessControlList(entries: entries)
    }

    private mutating func attribute() -> String {
        attributeNames[Int.random(in: 0..<attributeNames.count, using: &random)]
    }
}
