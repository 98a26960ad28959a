/// Regular files an upper layer holds unchanged from the lower file at the same path. Kernel
/// overlayfs copies a file up when it is opened for writing; Lamina copies it when it is first
/// written (docs/architecture.md, "Files opened without a round trip"). So an open for writing
/// that never writes leaves such a copy in the kernel's upper layer alone: a create of an existing
/// file, or a descriptor opened before a rename that then failed.
///
/// The copy shows the lower file's data, mode, owner, mtime and xattrs, and means what the lower
/// file means. The one visible difference is a lower hard link's: the kernel's copy is a file of its
/// own (link count 1, an inode number of its own), where Lamina still shows the lower file and its
/// links (the kernel runs with `index=off`).
///
/// Used by `FuzzRun` on both sides of each comparison:
/// - the upper layers are compared without these copies (`droppingCopies`);
/// - a candidate's merged view shows, where only the kernel made the copy, the copy's link count
///   and a link group of its own (`candidateView`).
///
/// Everything else about the entry is still compared.
struct UnchangedCopies {
    /// Paths (`TreeSnapshot` keys) of the unchanged copies.
    let paths: Set<String>

    /// The unchanged copies in `upper` (after `UpperNormalisation.apply`, which drops the kernel's
    /// bookkeeping xattrs), against `lowers` (top-most first, keyed as the upper).
    init(in upper: TreeSnapshot, lowers: [TreeSnapshot]) {
        paths = Set(upper.entries.compactMap { path, entry in
            guard entry.kind == .regular, let lower = Self.lowerEntry(path, lowers), lower.kind == .regular,
                  Self.sameVisibleState(entry, lower), entry.content == lower.content, entry.size == lower.size
            else { return nil }
            return path
        })
    }

    /// `upper` without these copies, and without the directories the copy-up made to hold them.
    /// Those directories are left empty once the copies are gone and show their lower directory's
    /// mode, owner, mtime and xattrs.
    func droppingCopies(from upper: TreeSnapshot, lowers: [TreeSnapshot]) -> TreeSnapshot {
        var result = upper
        for path in paths { result.entries[path] = nil }
        let directories = upper.entries.filter { $0.value.kind == .directory && $0.key != "." }.keys
            .sorted { $0.split(separator: "/").count > $1.split(separator: "/").count }
        for path in directories {
            guard let entry = result.entries[path], let lower = Self.lowerEntry(path, lowers), lower.kind == .directory,
                  Self.sameVisibleState(entry, lower),
                  !result.entries.keys.contains(where: { $0.hasPrefix(path + "/") })
            else { continue }
            result.entries[path] = nil
        }
        return result
    }

    /// `candidate`, a merged view, as it reads where the kernel copied a lower file up at an open
    /// for writing and the candidate (whose upper layer is `candidateUpper`) has not copied it yet:
    /// the reference's link count, and an inode number of its own, so the name leaves its lower
    /// hard-link group as the kernel's copy did.
    func candidateView(_ candidate: TreeSnapshot, reference: TreeSnapshot, candidateUpper: TreeSnapshot) -> TreeSnapshot {
        var result = candidate
        for (offset, path) in paths.sorted().enumerated() where candidateUpper.entries[path] == nil {
            guard let expected = reference.entries[path], expected.kind == .regular,
                  result.entries[path]?.kind == .regular
            else { continue }
            result.entries[path]?.linkCount = expected.linkCount
            result.entries[path]?.inode = UInt64.max - UInt64(offset)
        }
        return result
    }

    /// The entry the lower layers show at `path`: the top-most layer's that has it (a whiteout there
    /// reads as a character device, which matches no copy).
    private static func lowerEntry(_ path: String, _ lowers: [TreeSnapshot]) -> EntryRecord? {
        lowers.lazy.compactMap { $0.entries[path] }.first
    }

    /// Mode, owner, mtime and xattrs: what a copy-up keeps.
    private static func sameVisibleState(_ upper: EntryRecord, _ lower: EntryRecord) -> Bool {
        upper.permissions == lower.permissions && upper.owner == lower.owner && upper.group == lower.group
            && upper.modified == lower.modified && upper.extendedAttributes == lower.extendedAttributes
    }
}
