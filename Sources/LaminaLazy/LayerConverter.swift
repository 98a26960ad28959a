import Crypto
import Foundation
import LaminaImage
import LaminaLayerIndex
import LaminaSystem

#if canImport(Glibc)
import Glibc
#endif

/// The lazily readable formats `lamina image convert` writes.
public enum ConversionFormat: String, Sendable, CaseIterable {
    case estargz
    case zstdChunked = "zstd:chunked"
}

/// A layer written in a lazily readable format: its blob, descriptor (with the annotations that
/// locate and vouch for its TOC) and diff id.
public struct ConvertedLayer: Sendable {
    public var blobPath: String
    public var descriptor: Descriptor
    public var diffID: Digest
}

/// Rewrites one layer as eStargz or zstd:chunked: the same members, re-written by libarchive as a
/// pax tar, each file's data in frames of its own (cut every `chunkSize` bytes), a table of
/// contents, and the format's footer. The result is still a plain gzip or zstd tar for tools that
/// know neither format, and its diff id is that of the new tar.
///
/// Not thread-safe: one converter per layer.
struct LayerConverter {
    let format: ConversionFormat
    let chunkSize: Int

    init(format: ConversionFormat, chunkSize: Int = 4 << 20) {
        self.format = format
        self.chunkSize = max(1 << 16, chunkSize)
    }

    var compression: LayerChunk.Compression { format == .estargz ? .gzip : .zstd }

    /// Converts the layer blob at `source` (any compression) into a new blob at `output`.
    func convert(source: String, output: String, limit: Int64) throws(LazyError) -> ConvertedLayer {
        let input = try LazyError.system { () throws(SystemError) in try FileDescriptor.open(source, flags: O_RDONLY) }
        defer { input.close() }
        let file = try LazyError.system { () throws(SystemError) in
            try FileDescriptor.open(output, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        }
        defer { file.close() }
        let sink = FrameSink(output: file, compression: compression)
        var entries: [Written] = []
        do {
            let decompressor = try HashingDecompressor(fileDescriptor: input, name: source, limit: limit)
            let reader = try ArchiveReader(source: decompressor, format: .tarUncompressed, name: source)
            let writer = try ArchiveWriter(sink: sink, name: output)
            if format == .estargz {
                // No file is marked as needed first.
                let landmark = ArchiveEntry(path: ".no.prefetch.landmark", kind: .regular, size: 1)
                entries.append(try copy(landmark, data: [[0x0F]], writer: writer, sink: sink))
            }
            while let entry = try reader.nextEntry() {
                if format == .estargz, TableOfContents.formatEntries.contains(try Self.trimmed(entry.path)) { continue }
                var blocks: [[UInt8]] = []
                if entry.kind == .regular && entry.hardlinkTarget == nil {
                    try reader.readData { (block, _) throws(ImageError) in blocks.append(Array(block)) }
                }
                entries.append(try copy(entry, data: blocks, writer: writer, sink: sink))
            }
            try sink.cut()
            let tocJSON = try Self.json(TableOfContents(version: 1, entries: entries.flatMap { $0.expanded }))
            switch format {
            case .estargz:
                let tocOffset = sink.offset
                try writer.add(ArchiveEntry(path: "stargz.index.json", kind: .regular, size: Int64(tocJSON.count)), data: tocJSON)
                try writer.finish()
                try sink.cut()
                try sink.append(LazyFormat.estargzFooter(tocOffset: tocOffset))
                return try finish(sink, output: output, annotations: [
                    LazyFormat.estargzDigestKey: Digest.sha256(tocJSON).description,
                    "io.containers.estargz.uncompressed-size": String(sink.uncompressedCount),
                ])
            case .zstdChunked:
                try writer.finish()
                try sink.cut()
                let manifest = try FrameCodec.compress(tocJSON, .zstd)
                let manifestOffset = sink.offset + 8
                try sink.append(ZstdCodec.skippableFrame(manifest))
                var footer: [UInt8] = []
                for value in [manifestOffset, UInt64(manifest.count), UInt64(tocJSON.count), 1, 0x7855_6E49_6C55_6E47] {
                    for shift in stride(from: 0, to: 64, by: 8) { footer.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
                }
                try sink.append(ZstdCodec.skippableFrame(footer))
                let position = "\(manifestOffset):\(manifest.count):\(tocJSON.count):1"
                return try finish(sink, output: output, annotations: [
                    "io.containers.zstd-chunked.manifest-checksum": Digest.sha256(manifest).description,
                    "io.containers.zstd-chunked.manifest-position": position,
                ])
            }
        } catch let error as LazyError {
            throw error
        } catch {
            throw .malformed("converting \(source): \(error)")
        }
    }

    /// A member and its TOC entry (with the chunk entries of a file cut in several frames).
    struct Written {
        var entry: TableOfContents.Entry
        var chunks: [TableOfContents.Entry] = []
        var expanded: [TableOfContents.Entry] { [entry] + chunks }
    }

    /// Writes one member through `writer`; a regular file's data starts a new frame, is cut every
    /// `chunkSize` bytes, and ends its last frame.
    private func copy(_ entry: ArchiveEntry, data blocks: [[UInt8]], writer: ArchiveWriter, sink: FrameSink) throws(ImageError) -> Written {
        var written = Written(entry: try Self.tocEntry(entry))
        let size = blocks.reduce(0) { $0 + $1.count }
        var member = entry
        if entry.kind == .regular && entry.hardlinkTarget == nil { member.size = Int64(size) }
        guard entry.kind == .regular, entry.hardlinkTarget == nil, size > 0 else {
            try writer.add(member)
            return written
        }
        var fileHasher = SHA256()
        var pieces: [(offset: UInt64, fileOffset: Int, length: Int, digest: String)] = []
        try writer.add(member) { (write) throws(ImageError) in
            try cut(sink)
            var chunkHasher = SHA256()
            var chunkStart = sink.offset, chunkFileOffset = 0, filled = 0
            for block in blocks {
                var position = 0
                while position < block.count {
                    let count = min(block.count - position, chunkSize - filled)
                    let part = block[position..<(position + count)]
                    try write(Data(part))
                    chunkHasher.update(data: part)
                    fileHasher.update(data: part)
                    filled += count
                    position += count
                    if filled == chunkSize && chunkFileOffset + filled < size {
                        try cut(sink)
                        pieces.append((chunkStart, chunkFileOffset, filled, Digest(chunkHasher.finalize()).description))
                        chunkHasher = SHA256()
                        chunkStart = sink.offset
                        chunkFileOffset += filled
                        filled = 0
                    }
                }
            }
            try cut(sink)
            pieces.append((chunkStart, chunkFileOffset, filled, Digest(chunkHasher.finalize()).description))
        }
        written.entry.digest = Digest(fileHasher.finalize()).description
        written.entry.offset = Int64(pieces[0].offset)
        written.entry.chunkDigest = pieces[0].digest
        if format == .zstdChunked { written.entry.endOffset = Int64(sink.offset) }
        if pieces.count > 1 {
            written.entry.chunkSize = Int64(pieces[0].length)
            for (index, piece) in pieces.enumerated().dropFirst() {
                written.chunks.append(TableOfContents.Entry(
                    name: written.entry.name, type: "chunk", offset: Int64(piece.offset), chunkOffset: Int64(piece.fileOffset),
                    chunkSize: index == pieces.count - 1 && format == .estargz ? 0 : Int64(piece.length), chunkDigest: piece.digest))
            }
        }
        return written
    }

    private func cut(_ sink: FrameSink) throws(ImageError) {
        do {
            try sink.cut()
        } catch {
            throw .archive(error.description)
        }
    }

    private func finish(_ sink: FrameSink, output: String, annotations: [String: String]) throws(LazyError) -> ConvertedLayer {
        let type = format == .estargz ? MediaType.ociLayerGzip : MediaType.ociLayerZstd
        let descriptor = Descriptor(mediaType: type, digest: sink.blobDigest, size: Int64(sink.offset), annotations: annotations)
        return ConvertedLayer(blobPath: output, descriptor: descriptor, diffID: sink.diffID)
    }

    static func tocEntry(_ entry: ArchiveEntry) throws(ImageError) -> TableOfContents.Entry {
        let type: String
        switch entry.kind {
        case _ where entry.hardlinkTarget != nil: type = "hardlink"
        case .directory: type = "dir"
        case .symbolicLink: type = "symlink"
        case .characterDevice: type = "char"
        case .blockDevice: type = "block"
        case .fifo: type = "fifo"
        default: type = "reg"
        }
        var name = try trimmed(entry.path)
        if entry.kind == .directory { name = name.isEmpty ? "./" : name + "/" }
        let xattrs = Dictionary(entry.extendedAttributes.map { ($0.name, Data($0.value).base64EncodedString()) }, uniquingKeysWith: { $1 })
        let isDevice = entry.kind == .characterDevice || entry.kind == .blockDevice
        var linkName: String?
        if let target = entry.hardlinkTarget { linkName = try trimmed(target) } else if let target = entry.symlinkTarget { linkName = try text(target) }
        return TableOfContents.Entry(
            name: name, type: type, size: type == "reg" ? entry.size : nil,
            modtime: TimeText.format(seconds: Int64(entry.modificationSeconds), nanoseconds: UInt32(clamping: entry.modificationNanoseconds)),
            linkName: linkName, mode: Int64(entry.permissions & 0o7777),
            uid: Int64(entry.uid), gid: Int64(entry.gid), devMajor: isDevice ? Int64(entry.deviceMajor) : nil,
            devMinor: isDevice ? Int64(entry.deviceMinor) : nil, xattrs: xattrs.isEmpty ? nil : xattrs)
    }

    /// A member's path as TOC text: a TOC is JSON, so a name that is not UTF-8 cannot be in one
    /// (refused rather than changed).
    static func text(_ path: ArchivePath) throws(ImageError) -> String {
        guard let text = String(validating: path.bytes, as: UTF8.self) else {
            throw .unsafeEntry(entry: path.description, reason: "a name that is not UTF-8 cannot be written in a table of contents")
        }
        return text
    }

    /// An archive path without "./" in front or "/" behind.
    static func trimmed(_ path: ArchivePath) throws(ImageError) -> String {
        var text = Substring(try Self.text(path))
        while text.hasPrefix("./") { text = text.dropFirst(2) }
        while text.hasPrefix("/") { text = text.dropFirst() }
        while text.hasSuffix("/") { text = text.dropLast() }
        return text == "." ? "" : String(text)
    }

    static func json(_ toc: TableOfContents) throws(ImageError) -> [UInt8] {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            return [UInt8](try encoder.encode(toc))
        } catch {
            throw .malformed(what: "table of contents", reason: "\(error)")
        }
    }
}
