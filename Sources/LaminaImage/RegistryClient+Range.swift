import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension RegistryClient {
    /// Fetches bytes `range` of a blob with an HTTP range request (the same authentication as every
    /// other request of this client). Answers exactly `range.count` bytes, or throws.
    ///
    /// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs
    package func blobRange(
        repository: String, digest: Digest, range: Range<UInt64>, timeout: TimeInterval
    ) async throws(ImageError) -> Data {
        guard !range.isEmpty else { return Data() }
        let path = "/v2/\(repository)/blobs/\(digest)"
        let (data, response) = try await withAuthorization(path, accept: "*/*", repository: repository) { (request) throws(ImageError) in
            var request = request
            request.setValue("bytes=\(range.lowerBound)-\(range.upperBound - 1)", forHTTPHeaderField: "Range")
            request.timeoutInterval = timeout
            return try await perform(request)
        }
        try check(response, what: "blob \(digest) bytes \(range.lowerBound)-\(range.upperBound - 1)")
        let count = Int(range.count)
        switch response.statusCode {
        case 206:
            // The registry may say which range it sent; it must be the one asked for.
            if let header = response.value(forHTTPHeaderField: "Content-Range"),
                !header.hasPrefix("bytes \(range.lowerBound)-\(range.upperBound - 1)/")
            {
                throw .registry("\(host): blob \(digest): asked for bytes \(range.lowerBound)-\(range.upperBound - 1), got \(header)")
            }
            guard data.count == count else {
                throw .registry("\(host): blob \(digest): \(data.count) bytes for a range of \(count)")
            }
            return data
        default:
            // A registry that ignores Range sends the whole blob.
            guard data.count >= Int(range.upperBound) else {
                throw .registry("\(host): blob \(digest): range request answered with \(data.count) bytes")
            }
            return data.subdata(in: Int(range.lowerBound)..<Int(range.upperBound))
        }
    }
}
