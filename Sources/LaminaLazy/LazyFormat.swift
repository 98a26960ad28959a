import Crypto
import Foundation
import LaminaImage
import LaminaLayerIndex

/// How a layer blob can be read lazily, from its descriptor's annotations: zstd:chunked (the TOC
/// in a zstd skippable frame whose place and digest the annotations give) or eStargz (gzip members
/// per file, the TOC found through the footer and checked against `toc.digest`).
///
/// https://github.com/containerd/stargz-snapshotter/blob/main/docs/estargz.md
/// https://github.com/containers/storage/blob/main/docs/containers-storage-zstd-chunked.md
/// Immutable value.
public enum LazyFormat: Sendable, Equatable, CustomStringConvertible {
    /// The TOC's compressed bytes are `manifestOffset..<manifestOffset+manifestLength`, their
    /// SHA-256 is `manifestDigest`.
    case zstdChunked(manifestOffset: UInt64, manifestLength: UInt64, uncompressedLength: UInt64, manifestDigest: Digest)
    /// The SHA-256 of the TOC's JSON is `tocDigest`.
    case estargz(tocDigest: Digest)

    static let zstdChecksumKeys = ["io.github.containers.zstd-chunked.manifest-checksum", "io.containers.zstd-chunked.manifest-checksum"]
    static let zstdPositionKeys = ["io.github.containers.zstd-chunked.manifest-position", "io.containers.zstd-chunked.manifest-position"]
    public static let estargzDigestKey = Descriptor.estargzTOCDigestAnnotation
    /// The eStargz footer: an empty gzip member whose extra field names the TOC's offset.
    static let estargzFooterSize: UInt64 = 51

    /// The lazy format a layer descriptor announces; nil for a layer that is pulled whole.
    public init?(_ descriptor: Descriptor) {
        let annotations = descriptor.annotations ?? [:]
        if let checksum = Self.zstdChecksumKeys.lazy.compactMap({ annotations[$0] }).first,
            let position = Self.zstdPositionKeys.lazy.compactMap({ annotations[$0] }).first,
            let digest = try? Digest(parsing: checksum)
        {
            let parts = position.split(separator: ":").map { UInt64($0) }
            guard parts.count == 4, let offset = parts[0], let length = parts[1], let uncompressed = parts[2], parts[3] == 1,
                offset.addingReportingOverflow(length).partialValue <= UInt64(max(0, descriptor.size)), length > 0
            else { return nil }
            self = .zstdChunked(manifestOffset: offset, manifestLength: length, uncompressedLength: uncompressed, manifestDigest: digest)
            return
        }
        if let text = annotations[Self.estargzDigestKey], let digest = try? Digest(parsing: text),
            descriptor.size > Int64(Self.estargzFooterSize)
        {
            self = .estargz(tocDigest: digest)
            return
        }
        return nil
    }

    public var description: String {
        switch self {
        case .zstdChunked: "zstd:chunked"
        case .estargz: "estargz"
        }
    }

    var compression: LayerChunk.Compression {
        switch self {
        case .zstdChunked: .zstd
        case .estargz: .gzip
        }
    }

    /// The largest TOC read (compressed or not): a layer of a million files stays well below it.
    static let maximumTOCSize: UInt64 = 512 << 20

    /// Fetches the TOC from `blob` (of `size` bytes), checks it against the annotation, and returns
    /// its JSON and where file data ends in the blob.
    func readTOC(from blob: some BlobReader, size: UInt64) throws(LazyError) -> (json: Data, dataEnd: UInt64) {
        switch self {
        case .zstdChunked(let offset, let length, let uncompressed, let digest):
            guard length <= Self.maximumTOCSize, uncompressed <= Self.maximumTOCSize, offset >= 8 else {
                throw .malformed("zstd:chunked manifest of \(length) bytes at \(offset)")
            }
            let compressed = try blob.read(offset..<(offset + length))
            let actual = Digest.sha256(compressed)
            guard actual == digest else { throw .verification("zstd:chunked manifest: expected \(digest), got \(actual)") }
            let json = try FrameCodec.decompress(compressed, .zstd, limit: Int(uncompressed))
            guard json.count == Int(uncompressed) else { throw .malformed("zstd:chunked manifest is \(json.count) bytes, not \(uncompressed)") }
            // File data ends where the manifest's skippable frame (8-byte header) begins.
            return (Data(json), offset - 8)
        case .estargz(let digest):
            let footer = try blob.read((size - Self.estargzFooterSize)..<size)
            let tocOffset = try Self.estargzTOCOffset(footer)
            guard tocOffset < size - Self.estargzFooterSize, size - tocOffset <= Self.maximumTOCSize else {
                throw .malformed("eStargz TOC offset \(tocOffset) in a blob of \(size) bytes")
            }
            let member = try blob.read(tocOffset..<(size - Self.estargzFooterSize))
            let tar = try FrameCodec.decompress(member, .gzip, limit: Int(Self.maximumTOCSize))
            let json = try Self.tocFromTar(tar)
            let actual = Digest.sha256(json)
            guard actual == digest else { throw .verification("eStargz TOC: expected \(digest), got \(actual)") }
            return (Data(json), tocOffset)
        }
    }

    /// The TOC offset the eStargz footer records ("%016xSTARGZ" in a gzip extra field "SG").
    static func estargzTOCOffset(_ footer: [UInt8]) throws(LazyError) -> UInt64 {
        guard footer.count == Int(estargzFooterSize), footer[0] == 0x1F, footer[1] == 0x8B, footer[3] & 0x04 != 0,
            footer[10] == 26, footer[11] == 0, footer[12] == UInt8(ascii: "S"), footer[13] == UInt8(ascii: "G"),
            footer[14] == 22, footer[15] == 0, Array(footer[32..<38]) == Array("STARGZ".utf8),
            let offset = UInt64(String(decoding: footer[16..<32], as: UTF8.self), radix: 16)
        else { throw .malformed("not an eStargz footer") }
        return offset
    }

    /// The footer for a TOC at `offset`.
    static func estargzFooter(tocOffset offset: UInt64) -> [UInt8] {
        var hex = String(offset, radix: 16)
        hex = String(repeating: "0", count: 16 - hex.count) + hex
        var footer: [UInt8] = [0x1F, 0x8B, 0x08, 0x04, 0, 0, 0, 0, 0, 0xFF, 26, 0, UInt8(ascii: "S"), UInt8(ascii: "G"), 22, 0]
        footer += Array(hex.utf8) + Array("STARGZ".utf8)
        // An empty stored deflate block, then CRC-32 and size of nothing.
        footer += [0x01, 0x00, 0x00, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0]
        return footer
    }

    /// The `stargz.index.json` member's data from the TOC's tar bytes (one ustar header, the JSON).
    static func tocFromTar(_ tar: [UInt8]) throws(LazyError) -> [UInt8] {
        guard tar.count >= 512 else { throw .malformed("eStargz TOC tar is \(tar.count) bytes") }
        let name = tar[0..<100].prefix(while: { $0 != 0 })
        guard Array(name) == Array("stargz.index.json".utf8), tar[156] == UInt8(ascii: "0") || tar[156] == 0 else {
            throw .malformed("eStargz TOC member is '\(String(decoding: name, as: UTF8.self))', not stargz.index.json")
        }
        let sizeText = String(decoding: tar[124..<136].prefix(while: { $0 != 0 && $0 != 0x20 }), as: UTF8.self)
        guard let size = Int(sizeText, radix: 8), size <= tar.count - 512 else { throw .malformed("eStargz TOC size '\(sizeText)'") }
        return Array(tar[512..<(512 + size)])
    }
}
