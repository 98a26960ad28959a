import Foundation
import LaminaImage
import LaminaLayerIndex
import LaminaSystem

extension TableOfContents {
    /// eStargz's own entries at the layer root: the TOC and the prefetch landmarks. They are not
    /// part of the layer's view (nor of its unpacked tree: the store skips them when it unpacks an
    /// eStargz layer whole).
    static let formatEntries = Descriptor.estargzFormatEntries

    /// The layer index of this TOC: every entry as the unpacked layer would show it, regular files'
    /// bytes as chunks of the blob. `dataEnd` is where file data ends in the blob (the TOC's own
    /// offset): the last chunk's frame ends there at the latest. Returns the paths the format marks
    /// as needed first (eStargz: the files before `.prefetch.landmark`), in TOC order.
    func indexBuilder(compression: LayerChunk.Compression, dataEnd: UInt64) throws(LazyError) -> (LayerIndexBuilder, prioritized: [[FileName]]) {
        var builder = LayerIndexBuilder()
        var prioritized: [[FileName]] = []
        var sawLandmark = false
        let starts = Set(entries.compactMap { entry -> UInt64? in
            guard entry.type == "reg" || entry.type == "chunk", let offset = entry.offset, offset > 0, (entry.size ?? 1) > 0 else { return nil }
            return UInt64(offset)
        }).sorted()

        var position = 0
        while position < entries.count {
            let entry = entries[position]
            position += 1
            let path = try Self.components(entry.name)
            if path.count == 1, let name = path.first?.string, Self.formatEntries.contains(name) {
                if name == ".prefetch.landmark" { sawLandmark = true }
                continue
            }
            var metadata = try Self.metadata(entry)
            let attributes = try Self.attributes(entry)
            switch entry.type {
            case "dir":
                metadata.kind = .directory
                try add { () throws(LayerIndexError) in try builder.add(path, metadata: metadata, extendedAttributes: attributes) }
            case "reg":
                metadata.kind = .regular
                // The chunk entries that follow belong to this file.
                var pieces = [entry]
                while position < entries.count, entries[position].type == "chunk" {
                    guard entries[position].name == entry.name else { throw .malformed("chunk of '\(entries[position].name)' after '\(entry.name)'") }
                    pieces.append(entries[position])
                    position += 1
                }
                let content = try Self.content(of: entry, pieces: pieces, starts: starts, compression: compression, dataEnd: dataEnd)
                try add { () throws(LayerIndexError) in
                    try builder.add(path, metadata: metadata, extendedAttributes: attributes, content: content)
                }
                if !sawLandmark && metadata.size > 0 { prioritized.append(path) }
            case "hardlink":
                guard let target = entry.linkName else { throw .malformed("hard link '\(entry.name)' without a target") }
                let targetPath = try Self.components(target)
                try add { () throws(LayerIndexError) in try builder.addHardLink(path, to: targetPath) }
            case "symlink":
                metadata.kind = .symbolicLink
                try add { () throws(LayerIndexError) in
                    try builder.add(path, metadata: metadata, extendedAttributes: attributes, linkTarget: Array((entry.linkName ?? "").utf8))
                }
            case "char", "block", "fifo":
                metadata.kind = entry.type == "char" ? .characterDevice : entry.type == "block" ? .blockDevice : .fifo
                try add { () throws(LayerIndexError) in try builder.add(path, metadata: metadata, extendedAttributes: attributes) }
            case "chunk":
                throw .malformed("chunk of '\(entry.name)' without its file")
            default:
                throw .unsupported("entry '\(entry.name)' of type '\(entry.type)'")
            }
        }
        // Without a prefetch landmark nothing is marked as needed first.
        return (builder, sawLandmark ? prioritized : [])
    }

    /// The chunks of a regular file: each one's compressed frame runs to the next frame start
    /// recorded in the TOC (zstd:chunked's `endOffset` for the file's last), or to `dataEnd`.
    static func content(
        of entry: Entry, pieces: [Entry], starts: [UInt64], compression: LayerChunk.Compression, dataEnd: UInt64
    ) throws(LazyError) -> LayerFileContent {
        let size = UInt64(max(0, entry.size ?? 0))
        guard size > 0 else { return .none }
        let fileDigest = try entry.digest.map { (text) throws(LazyError) in try sha256(text, what: entry.name) }
        var chunks: [LayerChunk] = []
        for (index, piece) in pieces.enumerated() {
            guard piece.chunkType == nil || piece.chunkType == "data" else { throw .unsupported("'\(entry.name)': \(piece.chunkType ?? "") chunks") }
            guard let offset = piece.offset, offset > 0 else { throw .malformed("'\(entry.name)': a chunk without an offset") }
            let fileOffset = UInt64(max(0, piece.chunkOffset ?? 0))
            var length = UInt64(max(0, piece.chunkSize ?? 0))
            if length == 0 || index == pieces.count - 1 { length = size > fileOffset ? size - fileOffset : 0 }
            let start = UInt64(offset)
            var end = starts.first(where: { $0 > start }) ?? dataEnd
            if index == pieces.count - 1, let explicit = entry.endOffset, UInt64(explicit) > start { end = UInt64(explicit) }
            guard end > start, end <= dataEnd else { throw .malformed("'\(entry.name)': chunk at \(start) runs past the data") }
            let digest = try piece.chunkDigest.map { (text) throws(LazyError) in try sha256(text, what: entry.name) }
            chunks.append(LayerChunk(
                compressedOffset: start, compressedLength: end - start, fileOffset: fileOffset, length: length,
                innerOffset: UInt64(max(0, piece.innerOffset ?? 0)), compression: compression, digest: digest))
        }
        // Nothing may be served unverified: a whole-file digest, or one per chunk.
        guard fileDigest != nil || chunks.allSatisfy({ $0.digest != nil }) else {
            throw .unsupported("'\(entry.name)' has no digest to verify its bytes")
        }
        return .chunks(chunks, digest: fileDigest)
    }

    static func metadata(_ entry: Entry) throws(LazyError) -> LayerFileMetadata {
        var seconds: Int64 = 0
        var nanoseconds: UInt32 = 0
        if let text = entry.modtime, !text.isEmpty {
            guard let time = TimeText.parse(text) else { throw .malformed("'\(entry.name)': time '\(text)'") }
            (seconds, nanoseconds) = time
        }
        return LayerFileMetadata(
            kind: .regular, permissions: mode_t(truncatingIfNeeded: (entry.mode ?? 0) & 0o7777),
            uid: uid_t(truncatingIfNeeded: entry.uid ?? 0), gid: gid_t(truncatingIfNeeded: entry.gid ?? 0),
            size: max(0, entry.size ?? 0), modificationSeconds: seconds, modificationNanoseconds: nanoseconds,
            deviceMajor: UInt32(truncatingIfNeeded: entry.devMajor ?? 0), deviceMinor: UInt32(truncatingIfNeeded: entry.devMinor ?? 0))
    }

    static func attributes(_ entry: Entry) throws(LazyError) -> [LayerExtendedAttribute] {
        var result: [LayerExtendedAttribute] = []
        for (name, encoded) in (entry.xattrs ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let value = Data(base64Encoded: encoded) else { throw .malformed("'\(entry.name)': xattr \(name) is not base64") }
            result.append(LayerExtendedAttribute(name: name, value: [UInt8](value)))
        }
        return result
    }

    /// The components of a TOC name ("./etc/", "etc/hosts", "/x"): "." parts dropped, ".." refused.
    static func components(_ name: String) throws(LazyError) -> [FileName] {
        var result: [FileName] = []
        for part in name.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            guard part != "..", let component = FileName(String(part)) else { throw .malformed("bad name '\(name)'") }
            result.append(component)
        }
        return result
    }

    /// The 32 bytes of a "sha256:HEX" digest.
    static func sha256(_ text: String, what: String) throws(LazyError) -> [UInt8] {
        guard text.hasPrefix("sha256:") else { throw .unsupported("'\(what)': digest \(text) is not sha256") }
        let hex = Array(text.utf8.dropFirst(7))
        guard hex.count == 64 else { throw .malformed("'\(what)': digest \(text)") }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = hexValue(hex[index]), let low = hexValue(hex[index + 1]) else { throw .malformed("'\(what)': digest \(text)") }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        default: nil
        }
    }

    private func add(_ body: () throws(LayerIndexError) -> Void) throws(LazyError) {
        do {
            try body()
        } catch {
            throw .malformed(error.description)
        }
    }
}
