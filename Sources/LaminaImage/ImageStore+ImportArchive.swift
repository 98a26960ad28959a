import Crypto
import Foundation
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// A file an archive member was written to while reading the archive, with its digest.
struct StagedMember {
    var path: String
    var digest: Digest
    var size: Int64
}

extension ImageStore {
    /// Imports an `oci-archive` (a tar of an OCI layout) or a `docker save`/`podman save` tarball,
    /// telling them apart by their contents (`index.json` or `manifest.json`).
    @discardableResult
    public func importArchive(
        at path: String, name: String? = nil, platform: Platform = .host, progress: ProgressHandler? = nil
    ) throws(ImageError) -> [ImageRecord] {
        let lock = try StoreLock.acquire(storeLockPath, exclusive: false)
        defer { _ = lock }
        let staging = try Staging(store: self)
        let root = staging.path + "/archive"
        let members = try stageArchive(path, into: root)
        if members["index.json"] != nil {
            return try importLayout(root, movable: true, name: name, platform: platform, staging: staging, progress: progress)
        }
        if let manifest = members["manifest.json"] {
            return try importDockerArchive(manifest: manifest, members: members, name: name, staging: staging, progress: progress)
        }
        throw .malformed(what: "archive \(path)", reason: "neither an OCI layout (index.json) nor a docker archive (manifest.json)")
    }

    /// Writes the archive's regular files under `root`, keyed by their cleaned member paths, hashing
    /// each as it is written. Symbolic links between members (docker archives use them for repeated
    /// layers) are resolved inside the archive; anything else is ignored.
    func stageArchive(_ path: String, into root: String) throws(ImageError) -> [String: StagedMember] {
        let input = try ImageError.system { () throws(SystemError) in try FileDescriptor.open(path, flags: O_RDONLY) }
        defer { input.close() }
        let reader = try ArchiveReader(fileDescriptor: input, format: .tar, name: path)
        try ImageError.system { () throws(SystemError) in try FileDescriptor.currentDirectory.makeDirectory(root, mode: 0o700) }
        var members: [String: StagedMember] = [:]
        var links: [String: String] = [:]
        var count = 0
        while let entry = try reader.nextEntry() {
            let components = try Self.memberComponents(entry.path, entry: entry.path)
            let key = components.joined(separator: "/")
            if entry.kind == .symbolicLink, let target = entry.symlinkTarget {
                let base = components.dropLast()
                links[key] = Self.join(Array(base), ByteText.unambiguous(target.bytes))
                continue
            }
            if let target = entry.hardlinkTarget {
                links[key] = try Self.memberKey(target, entry: entry.path)
                continue
            }
            guard entry.kind == .regular, !key.isEmpty else { continue }
            guard members[key] == nil else { throw .unsafeEntry(entry: entry.path, reason: "duplicate entry") }
            if entry.size > limits.maxEntrySize {
                throw .unsafeEntry(entry: entry.path, reason: "size \(entry.size) exceeds the limit of \(limits.maxEntrySize) bytes")
            }
            count += 1
            let staged = root + "/m\(count)"
            members[key] = try writeMember(entry, from: reader, to: staged)
        }
        for (link, target) in links {
            var resolved = target
            var hops = 0
            while let next = links[resolved], hops < 16 {
                resolved = next
                hops += 1
            }
            if let member = members[resolved] { members[link] = member }
        }
        // An OCI layout inside: give its blobs their layout paths so the layout importer finds them.
        if members["index.json"] != nil {
            try ImageError.system { () throws(SystemError) in
                try FileDescriptor.currentDirectory.makeDirectory(root + "/blobs", mode: 0o700)
                try FileDescriptor.currentDirectory.makeDirectory(root + "/blobs/sha256", mode: 0o700)
            }
            for (key, member) in members {
                let layoutPath: String
                if key == "index.json" {
                    layoutPath = root + "/index.json"
                } else if key.hasPrefix("blobs/sha256/"), let digest = try? Digest(parsing: "sha256:" + key.dropFirst(13)) {
                    layoutPath = root + "/blobs/sha256/" + digest.encoded
                } else {
                    continue
                }
                if link(member.path, layoutPath) != 0 && errno != EEXIST {
                    throw .system(SystemError.current("link", path: layoutPath))
                }
            }
        }
        return members
    }

    private func writeMember(_ entry: ArchiveEntry, from reader: ArchiveReader, to path: String) throws(ImageError) -> StagedMember {
        let output = try ImageError.system { () throws(SystemError) in
            try FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        }
        defer { output.close() }
        var hasher = SHA256()
        var written: Int64 = 0
        try reader.readData { (block, offset) throws(ImageError) in
            guard offset == written else {
                throw .unsafeEntry(entry: entry.path, reason: "sparse member where a blob was expected")
            }
            guard offset + Int64(block.count) <= entry.size else {
                throw .unsafeEntry(entry: entry.path, reason: "data runs past the entry's size")
            }
            hasher.update(bufferPointer: block)
            try ImageError.system { () throws(SystemError) in try output.write(buffer: block, at: off_t(offset), path: entry.path.description) }
            written += Int64(block.count)
        }
        guard written == entry.size else {
            throw .unsafeEntry(entry: entry.path, reason: "truncated (\(written) of \(entry.size) bytes)")
        }
        return StagedMember(path: path, digest: Digest(hasher.finalize()), size: written)
    }

    /// The key of an archive member's path in `stageArchive`'s result: its cleaned parts as text,
    /// one text per byte string (the names that matter, `index.json`, `blobs/sha256/...`, are ASCII).
    static func memberKey(_ path: ArchivePath, entry: ArchivePath) throws(ImageError) -> String {
        try memberComponents(path, entry: entry).joined(separator: "/")
    }

    private static func memberComponents(_ path: ArchivePath, entry: ArchivePath) throws(ImageError) -> [String] {
        try path.parts(entry: entry).map { ByteText.unambiguous($0) }
    }

    /// `target` resolved against the archive directory `base` (no `..` above the archive root).
    static func join(_ base: [String], _ target: String) -> String {
        var parts = target.hasPrefix("/") ? [] : base
        for part in target.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(String(part))
        }
        return parts.joined(separator: "/")
    }
}
