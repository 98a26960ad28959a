import Dispatch
import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension RegistryClient {
    /// How a blocking range request ended when it did not answer bytes.
    package enum RangeFailure: Error {
        /// The registry wants (new) authentication: answer it through `blobRange`, which can.
        case needsAuthentication
        case failed(ImageError)
    }

    /// Fetches bytes `range` of a blob with an HTTP range request (the same authentication as every
    /// other request of this client). Answers exactly `range.count` bytes, or throws.
    ///
    /// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs
    package func blobRange(
        repository: String, digest: Digest, range: Range<UInt64>, timeout: TimeInterval
    ) async throws(ImageError) -> Data {
        guard !range.isEmpty else { return Data() }
        let request = try rangeRequest(repository: repository, digest: digest, range: range, timeout: timeout)
        let (data, response) = try await withAuthorization(request, repository: repository) { (request) throws(ImageError) in
            try await perform(request)
        }
        return try rangeBytes(data, response, digest: digest, range: range)
    }

    /// `blobRange` for threads that must not wait on Swift concurrency (FUSE threads): the request
    /// goes out with the authorization this client holds and the caller waits on a semaphore, at
    /// most `timeout` (then the request is cancelled). A 401 is `needsAuthentication`.
    package func blobRangeBlocking(
        repository: String, digest: Digest, range: Range<UInt64>, timeout: TimeInterval
    ) -> Result<Data, RangeFailure> {
        guard !range.isEmpty else { return .success(Data()) }
        var request: URLRequest
        do {
            request = try rangeRequest(repository: repository, digest: digest, range: range, timeout: timeout)
        } catch {
            return .failure(.failed(error))
        }
        if let current = authorization.withLock({ $0 }) { request.setValue(current, forHTTPHeaderField: "Authorization") }
        let url = request.url
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<(Data?, URLResponse?, (any Error)?)?>(nil)
        let task = session.dataTask(with: request) { data, response, error in
            outcome.withLock { $0 = (data, response, error) }
            done.signal()
        }
        task.resume()
        guard done.wait(timeout: .now() + timeout + 1) == .success else {
            task.cancel()
            return .failure(.failed(.registry("\(host): no answer within \(timeout) s")))
        }
        let (data, response, error) = outcome.withLock { $0 } ?? (nil, nil, nil)
        if delegate.takeChallenge(for: url) != nil { return .failure(.needsAuthentication) }
        guard let http = response as? HTTPURLResponse, let data else {
            return .failure(.failed(error.map { ImageError.transport(base, $0) } ?? .registry("\(host): no response")))
        }
        if http.statusCode == 401 { return .failure(.needsAuthentication) }
        do {
            return .success(try rangeBytes(data, http, digest: digest, range: range))
        } catch {
            return .failure(.failed(error))
        }
    }

    private func rangeRequest(repository: String, digest: Digest, range: Range<UInt64>, timeout: TimeInterval) throws(ImageError) -> URLRequest {
        guard let url = URL(string: base + "/v2/\(repository)/blobs/\(digest)") else { throw .registry("bad URL \(base)") }
        var request = URLRequest(url: url)
        request.setValue("*/*", forHTTPHeaderField: "Accept")
        request.setValue("bytes=\(range.lowerBound)-\(range.upperBound - 1)", forHTTPHeaderField: "Range")
        request.timeoutInterval = timeout
        return request
    }

    /// The bytes of `range` from a response: a 206 of exactly that range, or a 200 with the whole
    /// blob (a registry that ignores Range).
    private func rangeBytes(_ data: Data, _ response: HTTPURLResponse, digest: Digest, range: Range<UInt64>) throws(ImageError) -> Data {
        try check(response, what: "blob \(digest) bytes \(range.lowerBound)-\(range.upperBound - 1)", body: data)
        let count = Int(range.count)
        switch response.statusCode {
        case 206:
            // The registry may say which range it sent; it must be the one asked for.
            if let header = response.value(forHTTPHeaderField: "Content-Range"),
                !header.hasPrefix("bytes \(range.lowerBound)-\(range.upperBound - 1)/")
            {
                throw .registry("\(host): blob \(digest): asked for bytes \(range.lowerBound)-\(range.upperBound - 1), got \(header)")
            }
            guard data.count == count else { throw .registry("\(host): blob \(digest): \(data.count) bytes for a range of \(count)") }
            return data
        default:
            guard data.count >= Int(range.upperBound) else {
                throw .registry("\(host): blob \(digest): range request answered with \(data.count) bytes")
            }
            return data.subdata(in: Int(range.lowerBound)..<Int(range.upperBound))
        }
    }
}
