import LaminaImage

extension ImageStore {
    /// Writes the image `source` again as `name` with every layer in `format` (eStargz or
    /// zstd:chunked), so it can be pushed and pulled lazily; the layers stay valid gzip or zstd
    /// tars for tools that know neither format (`lamina image convert`).
    @discardableResult
    public func convert(_ source: String, to name: String, format: ConversionFormat, chunkSize: Int = 4 << 20) throws(ImageError) -> ImageRecord {
        let converter = LayerConverter(format: format, chunkSize: chunkSize)
        let limit = limits.maxLayerSize
        return try convertImage(source, name: name) { (_, blob, output) throws(ImageError) in
            do throws(LazyError) {
                let layer = try converter.convert(source: blob, output: output, limit: limit)
                return (layer.descriptor, layer.diffID)
            } catch {
                throw .malformed(what: "conversion to \(format.rawValue)", reason: error.description)
            }
        }
    }
}
