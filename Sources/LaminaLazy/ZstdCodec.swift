import CZstd

/// zstd through libzstd: frames decompressed from memory (one or more, skippable frames skipped)
/// and data compressed into one frame.
///
/// Namespace of functions; each call owns its libzstd context for the call only.
enum ZstdCodec {
    /// Decompresses the frames of `input` until `limit` bytes are out (what follows is not read).
    static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(LazyError) -> [UInt8] {
        guard let context = ZSTD_createDStream() else { throw .compression("zstd: out of memory") }
        defer { ZSTD_freeDStream(context) }
        ZSTD_initDStream(context)
        var output: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 1 << 17)
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var lastResult = 0
        while inBuffer.pos < inBuffer.size {
            let result = scratch.withUnsafeMutableBytes { raw -> Int in
                var outBuffer = ZSTD_outBuffer(dst: raw.baseAddress, size: raw.count, pos: 0)
                let code = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                if ZSTD_isError(code) == 0 { output.append(contentsOf: raw.prefix(outBuffer.pos)) }
                return code
            }
            if ZSTD_isError(result) != 0 { throw .compression("zstd: \(String(cString: ZSTD_getErrorName(result)))") }
            if output.count >= limit { return Array(output.prefix(limit)) }
            lastResult = result
        }
        // Flush what the last frame still holds.
        while lastResult != 0 {
            let result = scratch.withUnsafeMutableBytes { raw -> Int in
                var outBuffer = ZSTD_outBuffer(dst: raw.baseAddress, size: raw.count, pos: 0)
                let code = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                if ZSTD_isError(code) == 0 { output.append(contentsOf: raw.prefix(outBuffer.pos)) }
                if ZSTD_isError(code) == 0 && outBuffer.pos == 0 && code != 0 { return -1 }
                return code
            }
            if result == -1 { throw .compression("zstd: truncated frame") }
            if ZSTD_isError(result) != 0 { throw .compression("zstd: \(String(cString: ZSTD_getErrorName(result)))") }
            if output.count >= limit { return Array(output.prefix(limit)) }
            lastResult = result
        }
        return output
    }

    /// One zstd frame holding `input`.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = 3) throws(LazyError) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { raw in
            ZSTD_compress(raw.baseAddress, raw.count, input.baseAddress, input.count, level)
        }
        if ZSTD_isError(written) != 0 { throw .compression("zstd: \(String(cString: ZSTD_getErrorName(written)))") }
        output.removeSubrange(written...)
        return output
    }

    /// A skippable frame (magic 0x184D2A50) holding `payload` as is.
    static func skippableFrame(_ payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x50, 0x2A, 0x4D, 0x18]
        let size = UInt32(payload.count)
        for shift in stride(from: 0, to: 32, by: 8) { frame.append(UInt8(truncatingIfNeeded: size >> UInt32(shift))) }
        return frame + payload
    }
}
