import CFuse
import Glibc
import LaminaOverlay
import LaminaSystem

/// Directory operations: opendir, readdir, readdirplus, releasedir and fsyncdir.
extension Bridge {
    static func openDirectory(_ request: fuse_req_t?, _ node: fuse_ino_t, _ file: UnsafeMutablePointer<fuse_file_info>?) {
        handle(request, "opendir node=\(node)") { bridge in
            guard let file else { throw SystemError("opendir", errno: EINVAL) }
            let opened = try bridge.overlay.openDirectory(NodeID(node))
            file.pointee.fh = opened.handle
            // A listing nothing can change may stay in the kernel's readdir cache across opens.
            lamina_fuse_file_info_set_cache_readdir(file, opened.cacheable ? 1 : 0)
            lamina_fuse_file_info_set_keep_cache(file, opened.cacheable ? 1 : 0)
            if fuse_reply_open(request, file) != 0 {
                bridge.overlay.releaseDirectory(opened.handle)
            }
        }
    }

    static func readDirectory(
        _ request: fuse_req_t?, _ node: fuse_ino_t, _ size: Int, _ offset: off_t, _ file: UnsafeMutablePointer<fuse_file_info>?
    ) {
        handle(request, "readdir node=\(node) size=\(size) offset=\(offset)") { bridge in
            let entries = try bridge.entries(file, from: offset)
            var buffer = DirectoryBuffer(request: request, capacity: size)
            defer { buffer.deallocate() }
            for entry in entries {
                guard buffer.add(entry) else { break }
            }
            _ = buffer.reply()
        }
    }

    /// readdirplus: each entry comes with its attributes and counts as a lookup, except "." and
    /// "..". An entry's size is known before its lookup, so only entries that fit are looked up;
    /// if the reply does not reach the kernel, those lookups are given back.
    ///
    /// The first reply (offset 0) of a large listing (`largeListing` entries or more) holds at
    /// most `firstReplyEntries` entries. The kernel (readdirplus in adaptive mode) always asks for
    /// attributes on that first call, and later only once the program has looked at an entry in
    /// between, so a program that only lists a large directory (`ls`, a glob, `os.listdir`) had
    /// the daemon stat a full buffer (about 200 cold inodes) it never asked about: a quarter of
    /// the disk reads of a cold 20,000-entry listing. What it costs: a program that reads a whole
    /// directory before it stats the entries (fts: `find`, `du`, `ls -l`) looks up those entries
    /// one request each, about 170 more requests against the 4,000 or more it makes for the rest.
    /// Smaller directories keep full replies: there the same walkers would pay for most of them.
    static func readDirectoryPlus(
        _ request: fuse_req_t?, _ node: fuse_ino_t, _ size: Int, _ offset: off_t, _ file: UnsafeMutablePointer<fuse_file_info>?
    ) {
        handle(request, "readdirplus node=\(node) size=\(size) offset=\(offset)") { bridge in
            let entries = try bridge.entries(file, from: offset)
            var buffer = DirectoryBuffer(request: request, capacity: size)
            defer { buffer.deallocate() }
            var lookedUp: [NodeID] = []
            let limit = offset == 0 && entries.count >= Bridge.largeListing ? Bridge.firstReplyEntries : entries.count
            for entry in entries.prefix(limit) {
                guard buffer.fitsPlus(entry) else { break }
                var parameters = fuse_entry_param()
                parameters.attr.st_ino = ino_t(entry.inode)
                parameters.attr.st_mode = entry.type
                if entry.name != "." && entry.name != "..",
                   let found = try? bridge.overlay.lookup(parent: NodeID(node), name: entry.name) {
                    parameters = bridge.entryParameters(found)
                    lookedUp.append(found.node)
                }
                // An entry that vanished since the listing was taken goes out with node 0:
                // the kernel lists the name and creates no inode for it.
                buffer.addPlus(entry, &parameters)
            }
            if buffer.reply() != 0 {
                for node in lookedUp { bridge.overlay.forget(node, lookups: 1) }
            }
        }
    }

    /// How many entries the first readdirplus reply of a large listing carries (`readDirectoryPlus`).
    static let firstReplyEntries = 32
    /// From how many entries a listing is large (`readDirectoryPlus`).
    static let largeListing = 4_096

    /// The open directory's entries after `offset` (the kernel passes back an entry's offset to resume).
    private func entries(_ file: UnsafeMutablePointer<fuse_file_info>?, from offset: off_t) throws -> ArraySlice<DirectoryEntry> {
        guard let handle = file?.pointee.fh else { throw SystemError("readdir", errno: EBADF) }
        return try overlay.directoryEntries(handle, from: UInt64(bitPattern: Int64(offset)))
    }

    static func releaseDirectory(_ request: fuse_req_t?, _ node: fuse_ino_t, _ file: UnsafeMutablePointer<fuse_file_info>?) {
        handle(request, "releasedir node=\(node)") { bridge in
            if let handle = file?.pointee.fh { bridge.overlay.releaseDirectory(handle) }
            fuse_reply_err(request, 0)
        }
    }

    static func synchronizeDirectory(
        _ request: fuse_req_t?, _ node: fuse_ino_t, _ dataOnly: Int32, _ file: UnsafeMutablePointer<fuse_file_info>?
    ) {
        handle(request, "fsyncdir node=\(node) datasync=\(dataOnly)") { bridge in
            if bridge.synchronizes, let handle = file?.pointee.fh {
                try bridge.overlay.synchronizeDirectory(handle, dataOnly: dataOnly != 0)
            }
            fuse_reply_err(request, 0)
        }
    }
}
