/// What is rewritten in an upper layer before comparing it with kernel overlayfs's, each rule for a
/// difference that carries no meaning:
///
/// 1. Bookkeeping xattrs are dropped: the kernel's `trusted.overlay.origin`, `.impure`, `.nlink`,
///    `.upper`, `.uuid` and `.index` (file handles and counters for its inode index; they name inodes of
///    one particular copy of the layers, so no two mounts could agree on them) and fuse-overlayfs's
///    `user.fuseoverlayfs.origin` (the same idea). Kept: `opaque`, `redirect`, `whiteout`,
///    `whiteouts`, `metacopy`, which say what the layer contains.
/// 2. A relative `overlay.redirect` (the kernel writes the bare old name when a directory is renamed
///    within its parent, the absolute path otherwise) is made absolute against the entry's parent:
///    both forms name the same lower directory, and the kernel reads both.
/// 3. A whiteout (0/0 character device) keeps only its name and type: its mode, owner, times are
///    never read, and the kernel shares one whiteout inode among many names (hard links to a spare
///    whiteout in its work directory, since Linux 5.8), so its link count and link group are
///    dropped (`linkCount = 0`, see `TreeComparison.linkGroups`).
///
/// Not normalised, so they show as differences: the whiteout and opaque formats themselves, extra
/// files (fuse-overlayfs's `.wh..wh..opq` in opaque directories), copied data, modes, owners, times.
enum UpperNormalisation {
    static let bookkeepingAttributes: Set<String> = [
        "trusted.overlay.origin", "trusted.overlay.impure", "trusted.overlay.nlink", "trusted.overlay.upper",
        "trusted.overlay.uuid", "trusted.overlay.index",
        "user.overlay.origin", "user.overlay.impure", "user.overlay.nlink", "user.overlay.upper",
        "user.overlay.uuid", "user.overlay.index",
        "user.fuseoverlayfs.origin",
    ]

    static func apply(_ snapshot: TreeSnapshot) -> TreeSnapshot {
        var result = snapshot
        for (path, var entry) in snapshot.entries {
            for name in entry.extendedAttributes.keys where bookkeepingAttributes.contains(name) {
                entry.extendedAttributes[name] = nil
            }
            for name in ["trusted.overlay.redirect", "user.overlay.redirect"] {
                if let value = entry.extendedAttributes[name], value.first != UInt8(ascii: "/") {
                    entry.extendedAttributes[name] = absoluteRedirect(value, entryPath: path)
                }
            }
            if entry.isWhiteoutDevice {
                entry = EntryRecord(kind: .characterDevice, device: entry.device, extendedAttributes: entry.extendedAttributes)
                entry.linkCount = 0
            }
            result.entries[path] = entry
        }
        return result
    }

    /// `value` against the entry's parent, as bytes (the path is `PathText`, names may not be UTF-8).
    private static func absoluteRedirect(_ value: [UInt8], entryPath: String) -> [UInt8] {
        let parents = entryPath.split(separator: "/").dropLast().map { PathText.unescape(String($0)) }
        return (parents + [value]).flatMap { [UInt8(ascii: "/")] + $0 }
    }
}

extension UpperNormalisation {
    /// Two more rules for upper layers written by long random runs (`FuzzRun`), each for a marker
    /// the kernel writes where it changes nothing:
    ///
    /// 4. `overlay.opaque=y` on a directory without a redirect whose lower path (its parent's and
    ///    its name) exists in no lower layer (`lowers`, snapshots keyed as the upper's): the kernel marks every directory it creates in
    ///    a merged parent opaque, as an optimisation (fs/overlayfs/dir.c, `ovl_create_upper`);
    ///    with nothing below to hide the marker means nothing.
    /// 5. An `overlay.redirect` naming the lower path the directory has without it (its parent's
    ///    lower path and its own name): the kernel writes the redirect before the rename itself,
    ///    so a rename that then fails (ENOTEMPTY from the upper file system) leaves one, and a
    ///    directory renamed away and back keeps one.
    ///
    /// Both are checked by meaning too: `UpperReading` mounts each upper layer over the lowers with
    /// the kernel and compares what it shows.
    static func droppingMarkersWithoutMeaning(_ snapshot: TreeSnapshot, lowers: [TreeSnapshot]) -> TreeSnapshot {
        var result = snapshot
        // The lower path each directory stands for, parents before children.
        var lowerPaths: [String: String] = [".": ""]
        let directories = snapshot.entries.filter { $0.value.kind == .directory && $0.key != "." }
            .keys.sorted { $0.split(separator: "/").count < $1.split(separator: "/").count }
        for path in directories {
            guard var attributes = snapshot.entries[path]?.extendedAttributes else { continue }
            let components = path.split(separator: "/")
            let parent = components.count > 1 ? components.dropLast().joined(separator: "/") : "."
            let implied = (lowerPaths[parent] ?? "") + "/" + (components.last.map(String.init) ?? "")
            lowerPaths[path] = implied
            for prefix in ["trusted.overlay.", "user.overlay."] {
                if let redirect = attributes[prefix + "redirect"] {
                    let text = redirectText(redirect)
                    if text == implied { attributes[prefix + "redirect"] = nil } else { lowerPaths[path] = text }
                }
                let hasRedirect = attributes[prefix + "redirect"] != nil
                if !hasRedirect, attributes[prefix + "opaque"] == Array("y".utf8),
                   !lowers.contains(where: { $0.entries[String((lowerPaths[path] ?? implied).dropFirst())] != nil }) {
                    attributes[prefix + "opaque"] = nil
                }
            }
            result.entries[path]?.extendedAttributes = attributes
        }
        return result
    }

    /// An absolute redirect written as `BytePath.description` writes paths, to compare with a key.
    private static func redirectText(_ redirect: [UInt8]) -> String {
        "/" + redirect.split(separator: UInt8(ascii: "/")).map { BytePath.escaped(Array($0)) }.joined(separator: "/")
    }
}
