import CZlib

/// gzip through zlib: members inflated from memory (one or more in a row) and data deflated into
/// one member.
///
/// Namespace of functions; each call owns its zlib stream for the call only.
enum GzipCodec {
    /// Inflates the gzip members of `input` until `limit` bytes are out (what follows is not read).
    static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(LazyError) -> [UInt8] {
        guard let base = input.baseAddress, !input.isEmpty else { return [] }
        var stream = z_stream()
        guard czlib_inflate_init_gzip(&stream) == Z_OK else { throw .compression("gzip: cannot start zlib") }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        var output: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 1 << 17)
        while true {
            let code = scratch.withUnsafeMutableBytes { raw -> Int32 in
                stream.next_out = raw.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(raw.count)
                let code = inflate(&stream, Z_NO_FLUSH)
                output.append(contentsOf: raw.prefix(raw.count - Int(stream.avail_out)))
                return code
            }
            if output.count >= limit { return Array(output.prefix(limit)) }
            switch code {
            case Z_STREAM_END:
                // Another member may follow (a concatenation is still one gzip stream).
                if stream.avail_in == 0 { return output }
                guard inflateReset(&stream) == Z_OK else { throw .compression("gzip: cannot restart zlib") }
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.avail_in == 0:
                throw .compression("gzip: truncated member")
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "error \(code)"
                throw .compression("gzip: \(message)")
            }
        }
    }

    /// One gzip member holding `input`.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = 6) throws(LazyError) -> [UInt8] {
        var stream = z_stream()
        guard czlib_deflate_init_gzip(&stream, level) == Z_OK else { throw .compression("gzip: cannot start zlib") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 32
        var output = [UInt8](repeating: 0, count: bound)
        let empty: [UInt8] = [0]
        let code = empty.withUnsafeBytes { emptyRaw in
            output.withUnsafeMutableBytes { raw -> Int32 in
                let source = input.baseAddress ?? emptyRaw.baseAddress!
                stream.next_in = UnsafeMutablePointer(mutating: source.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(input.count)
                stream.next_out = raw.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(raw.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard code == Z_STREAM_END else { throw .compression("gzip: deflate answered \(code)") }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }
}
