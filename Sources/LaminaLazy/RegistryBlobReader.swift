import Dispatch
import Foundation
import LaminaImage
import Synchronization

/// Reads ranges of one blob from its registry: a range request through the pull's own client
/// (authentication and TLS), at most `maximumConnections` at once in this process, each retried
/// with a doubling pause until the policy's attempts are spent.
///
/// Synchronous, for FUSE threads: the request goes out on the client's URLSession and the caller
/// waits on a semaphore, never longer than the request timeout (the request is cancelled then);
/// only answering an authentication challenge runs as a task. Thread safety: immutable apart from
/// the counters, behind a mutex; the connection gate is a semaphore.
public final class RegistryBlobReader: BlobReader, Sendable {
    let client: RegistryClient
    let repository: String
    let digest: Digest
    let policy: RetryPolicy
    private let connections: DispatchSemaphore
    /// Bytes and requests served, for `image ls` and benchmarks.
    private let counters = Mutex<(requests: Int, bytes: UInt64)>((0, 0))

    public init(client: RegistryClient, repository: String, digest: Digest, policy: RetryPolicy = .standard) {
        self.client = client
        self.repository = repository
        self.digest = digest
        self.policy = policy
        connections = DispatchSemaphore(value: policy.maximumConnections)
    }

    public var statistics: (requests: Int, bytes: UInt64) { counters.withLock { $0 } }

    public func read(_ range: Range<UInt64>) throws(LazyError) -> [UInt8] {
        var failure = "no attempt"
        for attempt in 0..<policy.attempts {
            let pause = policy.delay(before: attempt)
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
            guard connections.wait(timeout: .now() + policy.requestTimeout) == .success else {
                failure = "no connection free within \(policy.requestTimeout) s"
                continue
            }
            let result = fetchOnce(range)
            connections.signal()
            switch result {
            case .success(let bytes):
                counters.withLock {
                    $0.requests += 1
                    $0.bytes += UInt64(bytes.count)
                }
                return bytes
            case .failure(let error):
                failure = error.description
            }
        }
        throw .fetch("\(client.host)/\(repository) blob \(digest.short) bytes \(range.lowerBound)-\(range.upperBound): \(failure) (after \(policy.attempts) attempts)")
    }

    /// One request, waited for at most the request timeout. It does not need Swift concurrency
    /// unless the registry asks for authentication (then the client answers the challenge in a task).
    private func fetchOnce(_ range: Range<UInt64>) -> Result<[UInt8], ImageError> {
        switch client.blobRangeBlocking(repository: repository, digest: digest, range: range, timeout: policy.requestTimeout) {
        case .success(let data):
            return .success([UInt8](data))
        case .failure(.failed(let error)):
            return .failure(error)
        case .failure(.needsAuthentication):
            return authenticatedFetch(range)
        }
    }

    private func authenticatedFetch(_ range: Range<UInt64>) -> Result<[UInt8], ImageError> {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<[UInt8], ImageError>?>(nil)
        let client = client, repository = repository, digest = digest, timeout = policy.requestTimeout
        let task = Task {
            let result: Result<[UInt8], ImageError>
            do throws(ImageError) {
                let data = try await client.blobRange(repository: repository, digest: digest, range: range, timeout: timeout)
                result = .success([UInt8](data))
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        guard done.wait(timeout: .now() + 2 * timeout + 1) == .success else {
            task.cancel()
            return .failure(.registry("no answer within \(timeout) s"))
        }
        return outcome.withLock { $0 } ?? .failure(.registry("no answer"))
    }
}
