import LaminaLayerIndex

/// Decompresses and compresses whole frames held in arrays, in the compression a chunk names.
///
/// Namespace of functions.
enum FrameCodec {
    /// The first `limit` uncompressed bytes of the frames in `bytes` (fewer if they hold fewer).
    static func decompress(_ bytes: [UInt8], _ compression: LayerChunk.Compression, limit: Int) throws(LazyError) -> [UInt8] {
        if compression == .none { return Array(bytes.prefix(limit)) }
        let result: Result<[UInt8], LazyError> = bytes.withUnsafeBytes { raw in
            do throws(LazyError) {
                switch compression {
                case .zstd: return .success(try ZstdCodec.decompress(raw, limit: limit))
                case .gzip: return .success(try GzipCodec.decompress(raw, limit: limit))
                case .none: return .success([])
                }
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// One frame (a zstd frame, a gzip member) holding `bytes`.
    static func compress(_ bytes: [UInt8], _ compression: LayerChunk.Compression) throws(LazyError) -> [UInt8] {
        let result: Result<[UInt8], LazyError> = bytes.withUnsafeBytes { raw in
            do throws(LazyError) {
                switch compression {
                case .zstd: return .success(try ZstdCodec.compress(raw))
                case .gzip: return .success(try GzipCodec.compress(raw))
                case .none: return .success(Array(raw))
                }
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
