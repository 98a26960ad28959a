import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// Collects one layer's entries (from a directory walk or a table of contents) and writes them as
/// a layer index file.
///
/// Entries are given by path components, in any order; missing parent directories are made
/// (mode 0755, owner 0:0, time 0) and take an explicit entry's metadata when it comes. The layer's
/// OCI markers become what the union engine reads them as: `.wh.NAME` a whiteout entry, a 0/0
/// character device a whiteout, `.wh..wh..opq` or an `overlay.opaque=y` xattr an opaque directory;
/// overlay-private xattrs are dropped. A real entry and a whiteout of the same name in one layer
/// keep the real entry (it hides the layers below either way). Not thread-safe: a value owned by one
/// writer.
public struct LayerIndexBuilder {
    enum Child {
        case file(Int)
        case whiteout
    }

    struct File {
        var metadata: LayerFileMetadata
        var extendedAttributes: [LayerExtendedAttribute] = []
        var linkTarget: [UInt8] = []
        var content: LayerFileContent = .none
        var children: [FileName: Child] = [:]
        var opaque = false
        /// False for a directory made only as the parent of other entries.
        var explicit = true
    }

    static let whiteoutPrefix: [UInt8] = Array(".wh.".utf8)
    static let opaqueMarker: [UInt8] = Array(".wh..wh..opq".utf8)

    var files: [File]

    public init() {
        files = [File(metadata: LayerFileMetadata(kind: .directory, permissions: 0o755), explicit: false)]
    }

    /// Number of files added so far (the root included; every hard link counts once).
    public var fileCount: Int { files.count }

    /// Adds the entry at `path` (an empty path is the layer root, which must be a directory).
    public mutating func add(
        _ path: [FileName], metadata: LayerFileMetadata, extendedAttributes: [LayerExtendedAttribute] = [],
        linkTarget: [UInt8] = [], content: LayerFileContent = .none
    ) throws(LayerIndexError) {
        guard metadata.kind != .whiteout else { throw .invalidEntry(path: Self.text(path), reason: "a whiteout is added by its .wh. name") }
        var attributes: [LayerExtendedAttribute] = []
        var opaque = false
        for attribute in extendedAttributes {
            if attribute.isOverlayPrivate {
                if attribute.marksOpaque && metadata.kind == .directory { opaque = true }
                continue
            }
            attributes.append(attribute)
        }
        var metadata = metadata
        metadata.linkCount = 1
        switch metadata.kind {
        case .regular: break
        case .symbolicLink: metadata.size = Int64(linkTarget.count)
        default: metadata.size = 0
        }
        let file = File(
            metadata: metadata, extendedAttributes: attributes, linkTarget: metadata.kind == .symbolicLink ? linkTarget : [],
            content: metadata.kind == .regular ? content : .none, opaque: opaque)
        try check(content, of: file, path: path)

        guard let name = path.last else {
            guard metadata.kind == .directory else { throw .invalidEntry(path: ".", reason: "the layer root must be a directory") }
            guard !files[0].explicit else { throw .invalidEntry(path: ".", reason: "duplicate entry") }
            files[0].metadata = metadata
            files[0].extendedAttributes = attributes
            files[0].opaque = files[0].opaque || opaque
            files[0].explicit = true
            return
        }
        let parent = try directory(Array(path.dropLast()), for: path)
        if name.withBytes({ $0.elementsEqual(Self.opaqueMarker) }) {
            files[parent].opaque = true
            return
        }
        if let hidden = Self.whiteoutTarget(name) {
            if files[parent].children[hidden] == nil { files[parent].children[hidden] = .whiteout }
            return
        }
        if metadata.kind == .characterDevice && metadata.deviceMajor == 0 && metadata.deviceMinor == 0 {
            if case .file = files[parent].children[name] { throw .invalidEntry(path: Self.text(path), reason: "duplicate entry") }
            files[parent].children[name] = .whiteout
            return
        }
        switch files[parent].children[name] {
        case .file(let existing):
            // A directory made as a parent earlier takes its explicit entry's metadata.
            guard files[existing].metadata.kind == .directory, !files[existing].explicit, metadata.kind == .directory else {
                throw .invalidEntry(path: Self.text(path), reason: "duplicate entry")
            }
            files[existing].metadata = metadata
            files[existing].extendedAttributes = attributes
            files[existing].opaque = files[existing].opaque || opaque
            files[existing].explicit = true
        case .whiteout, nil:
            files.append(file)
            files[parent].children[name] = .file(files.count - 1)
        }
    }

    /// Adds `path` as one more name of the file at `target` (an earlier non-directory entry).
    public mutating func addHardLink(_ path: [FileName], to target: [FileName]) throws(LayerIndexError) {
        guard let targetFile = try? find(target), files[targetFile].metadata.kind != .directory else {
            throw .invalidEntry(path: Self.text(path), reason: "hard link target '\(Self.text(target))' is not an earlier file in this layer")
        }
        guard let name = path.last else { throw .invalidEntry(path: ".", reason: "the layer root cannot be a hard link") }
        let parent = try directory(Array(path.dropLast()), for: path)
        if case .file = files[parent].children[name] { throw .invalidEntry(path: Self.text(path), reason: "duplicate entry") }
        if Self.whiteoutTarget(name) != nil { throw .invalidEntry(path: Self.text(path), reason: "a whiteout cannot be a hard link") }
        files[parent].children[name] = .file(targetFile)
        files[targetFile].metadata.linkCount += 1
    }

    // MARK: Paths

    /// The file at `path`, which must exist.
    func find(_ path: [FileName]) throws(LayerIndexError) -> Int {
        var current = 0
        for name in path {
            guard case .file(let next) = files[current].children[name] else {
                throw .invalidEntry(path: Self.text(path), reason: "no such entry")
            }
            current = next
        }
        return current
    }

    /// The directory at `components`, made (implicitly) where missing; refuses a path through a
    /// non-directory.
    private mutating func directory(_ components: [FileName], for path: [FileName]) throws(LayerIndexError) -> Int {
        var current = 0
        for name in components {
            switch files[current].children[name] {
            case .file(let next):
                guard files[next].metadata.kind == .directory else {
                    throw .invalidEntry(path: Self.text(path), reason: "'\(name)' on its path is not a directory")
                }
                current = next
            case .whiteout, nil:
                files.append(File(metadata: LayerFileMetadata(kind: .directory, permissions: 0o755), explicit: false))
                files[current].children[name] = .file(files.count - 1)
                current = files.count - 1
            }
        }
        return current
    }

    /// The name a `.wh.NAME` entry whites out; nil for other names and the opaque marker.
    static func whiteoutTarget(_ name: FileName) -> FileName? {
        name.withBytes { raw -> FileName? in
            guard raw.starts(with: whiteoutPrefix), !raw.elementsEqual(opaqueMarker) else { return nil }
            return FileName(bytes: raw.dropFirst(whiteoutPrefix.count))
        }
    }

    static func text(_ path: [FileName]) -> String {
        path.isEmpty ? "." : path.map(\.description).joined(separator: "/")
    }

    /// Chunks must cover a regular file's bytes in order, without gaps or overlaps.
    private func check(_ content: LayerFileContent, of file: File, path: [FileName]) throws(LayerIndexError) {
        guard case .chunks(let chunks, let digest) = content, file.metadata.kind == .regular else { return }
        if let digest, digest.count != 32 { throw .invalidEntry(path: Self.text(path), reason: "file digest is not 32 bytes") }
        var next: UInt64 = 0
        for chunk in chunks {
            guard chunk.fileOffset == next, chunk.digest.map({ $0.count == 32 }) ?? true else {
                throw .invalidEntry(path: Self.text(path), reason: "chunks do not cover the file in order")
            }
            next += chunk.length
        }
        guard next == UInt64(max(0, file.metadata.size)) else {
            throw .invalidEntry(path: Self.text(path), reason: "chunks hold \(next) bytes, the file has \(file.metadata.size)")
        }
    }
}
