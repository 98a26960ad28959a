import Foundation
import LaminaLayerIndex
import Testing
@testable import LaminaImage
@testable import LaminaLazy

/// The pieces of lazy reading that need no registry: RFC 3339 times, frames, the eStargz footer,
/// the fetched-ranges log, tables of contents written by hand.
@Suite struct LazyUnitTests {
    @Test(arguments: [
        ("2019-08-20T10:30:43Z", Int64(1_566_297_043), UInt32(0)),
        ("2026-12-02T05:39:09.288464609Z", 1_796_189_949, 288_464_609),
        ("1970-01-01T00:00:00.5Z", 0, 500_000_000),
        ("2019-08-20T12:30:43+02:00", 1_566_297_043, 0),
        ("0001-01-01T00:00:00Z", -62_135_596_800, 0),
    ])
    func timesParseAndFormatBack(_ text: String, _ seconds: Int64, _ nanoseconds: UInt32) throws {
        let parsed = try #require(TimeText.parse(text))
        #expect(parsed.seconds == seconds && parsed.nanoseconds == nanoseconds)
        #expect(TimeText.parse(TimeText.format(seconds: seconds, nanoseconds: nanoseconds))! == parsed)
    }

    @Test(arguments: ["", "2019-08-20", "2019-08-20T10:30:43", "2019-08-20T10:30:43Q", "2019-13-xxT10:30:43Z"])
    func badTimesAreRefused(_ text: String) {
        #expect(TimeText.parse(text) == nil)
    }

    @Test(arguments: [LayerChunk.Compression.zstd, .gzip])
    func framesRoundTripAndConcatenate(_ compression: LayerChunk.Compression) throws {
        let first = Array("first frame ".utf8), second = [UInt8](repeating: 7, count: 100_000)
        let joined = try FrameCodec.compress(first, compression) + FrameCodec.compress(second, compression)
        #expect(try FrameCodec.decompress(joined, compression, limit: 1 << 20) == first + second)
        // A limit stops early: what follows is not read.
        #expect(try FrameCodec.decompress(joined, compression, limit: 5) == Array("first".utf8))
        // A truncated frame is an error, not fewer bytes.
        #expect(throws: LazyError.self) { try FrameCodec.decompress(Array(joined.dropLast(3)), compression, limit: 1 << 20) }
    }

    @Test(arguments: [UInt64(0), 1, 0xFFFF_FFFF_FF])
    func estargzFooterRoundTripsAndIsAnEmptyGzipMember(_ offset: UInt64) throws {
        let footer = LazyFormat.estargzFooter(tocOffset: offset)
        #expect(footer.count == 51)
        #expect(try LazyFormat.estargzTOCOffset(footer) == offset)
        #expect(try FrameCodec.decompress(footer, .gzip, limit: 10).isEmpty)
        var broken = footer
        broken[33] = UInt8(ascii: "X")
        #expect(throws: LazyError.self) { try LazyFormat.estargzTOCOffset(broken) }
    }

    @Test func fetchedRangesMergeAndSurviveAReopen() throws {
        let path = "/tmp/lamina-ranges-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ranges = FetchedRanges(logPath: path)
        try ranges.record(10..<20)
        try ranges.record(30..<40)
        try ranges.record(20..<30)
        #expect(ranges.missing(in: 0..<50) == [0..<10, 40..<50])
        #expect(ranges.total == 30)
        // Another reader (another process) sees the same log.
        let other = FetchedRanges(logPath: path)
        try other.refresh()
        #expect(other.missing(in: 5..<45) == [5..<10, 40..<45])
        try ranges.record(0..<10)
        try other.refresh()
        #expect(other.missing(in: 0..<40).isEmpty)
    }

    /// A hand-written TOC: chunk ends come from the next frame start, `endOffset`, or the data end;
    /// landmarks mark files needed first; a file without any digest is not served lazily.
    @Test func tocBecomesAnIndex() throws {
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let json = """
            {"version":1,"entries":[
            {"name":"./","type":"dir","mode":493},
            {"name":"bin/","type":"dir","mode":493,"modtime":"2020-01-01T00:00:00Z"},
            {"name":"bin/tool","type":"reg","mode":493,"size":10,"offset":100,"digest":"\(digest)","chunkDigest":"\(digest)","uid":7,"gid":8},
            {"name":".prefetch.landmark","type":"reg","mode":420,"size":1,"offset":150,"chunkDigest":"\(digest)"},
            {"name":"big","type":"reg","mode":420,"size":20,"offset":200,"chunkSize":12,"chunkDigest":"\(digest)"},
            {"name":"big","type":"chunk","offset":260,"chunkOffset":12,"chunkSize":0,"chunkDigest":"\(digest)"},
            {"name":"bin/link","type":"hardlink","linkName":"bin/tool"},
            {"name":"sym","type":"symlink","linkName":"bin/tool","mode":511},
            {"name":"dev/null","type":"char","devMajor":1,"devMinor":3,"mode":438},
            {"name":"stargz.index.json","type":"reg","size":5,"offset":300}
            ]}
            """
        let toc = try TableOfContents.decode(Data(json.utf8))
        let (builder, prioritized) = try toc.indexBuilder(compression: .gzip, dataEnd: 300)
        let index = try LayerIndex(bytes: builder.serialized())
        #expect(prioritized.map { $0.map(\.description).joined(separator: "/") } == ["bin/tool"])
        #expect(index.entries(of: .root).map(\.name.description) == ["big", "bin", "dev", "sym"])
        let bin = try #require(index.directory(at: ["bin"]))
        let tool = try #require(index.lookup("tool", in: bin)?.file)
        #expect(index.lookup("link", in: bin)?.file == tool)
        #expect(index.metadata(of: tool).uid == 7 && index.metadata(of: tool).linkCount == 2)
        guard case .chunks(let toolChunks, let toolDigest) = index.content(of: tool) else { Issue.record("no chunks"); return }
        #expect(toolDigest?.count == 32)
        #expect(toolChunks == [LayerChunk(compressedOffset: 100, compressedLength: 50, fileOffset: 0, length: 10, compression: .gzip, digest: toolDigest)])
        let big = try #require(index.lookup("big", in: .root)?.file)
        guard case .chunks(let bigChunks, nil) = index.content(of: big) else { Issue.record("no chunks"); return }
        #expect(bigChunks.map(\.compressedLength) == [60, 40])
        #expect(bigChunks.map(\.length) == [12, 8])

        let unverifiable = #"{"version":1,"entries":[{"name":"f","type":"reg","size":3,"offset":10}]}"#
        #expect(throws: LazyError.self) {
            try TableOfContents.decode(Data(unverifiable.utf8)).indexBuilder(compression: .zstd, dataEnd: 20)
        }
    }
}
