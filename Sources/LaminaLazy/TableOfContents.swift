import Foundation

/// The table of contents of a lazily readable layer: the JSON both zstd:chunked (its "manifest")
/// and eStargz (`stargz.index.json`) use, inherited from CRFS stargz.
///
/// https://github.com/containerd/stargz-snapshotter/blob/main/docs/estargz.md (TOC and TOCEntry)
/// Immutable value, decoded from the JSON bytes the manifest's annotation vouches for.
struct TableOfContents: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var name: String
        var type: String
        var size: Int64?
        var modtime: String?
        var linkName: String?
        var mode: Int64?
        var uid: Int64?
        var gid: Int64?
        var devMajor: Int64?
        var devMinor: Int64?
        /// Values base64, as Go encodes `[]byte`; zstd:chunked writes them so too.
        var xattrs: [String: String]?
        var digest: String?
        var offset: Int64?
        /// zstd:chunked: the end of the file's last frame.
        var endOffset: Int64?
        var chunkOffset: Int64?
        var chunkSize: Int64?
        var chunkDigest: String?
        var innerOffset: Int64?
        /// zstd:chunked: "zeros" for a hole.
        var chunkType: String?
    }

    var version: Int
    var entries: [Entry]

    /// Decodes the JSON, refusing versions other than 1.
    static func decode(_ data: Data) throws(LazyError) -> TableOfContents {
        let toc: TableOfContents
        do {
            toc = try JSONDecoder().decode(TableOfContents.self, from: data)
        } catch {
            throw .malformed("table of contents: \(error)")
        }
        guard toc.version == 1 else { throw .unsupported("table of contents version \(toc.version)") }
        return toc
    }
}
