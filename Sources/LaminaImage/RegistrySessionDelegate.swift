import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The registry client's `URLSession` delegate: it turns a 401 into an answer the client can act
/// on, and streams blob downloads into files.
///
/// On Linux, `URLSession` answers a 401 carrying `WWW-Authenticate` by asking its delegate and,
/// with none, never completes the request. This delegate records the challenge header (by URL),
/// cancels the request, and the client reads the header back to authenticate and retry.
/// A blob download is a data task whose bytes this delegate hands to its `BlobTransfer` as they
/// arrive (a layer never sits in memory, and its progress is known byte by byte). The recorded
/// headers and the transfers in flight are each behind a `Mutex`.
final class RegistrySessionDelegate: NSObject, URLSessionDataDelegate, Sendable {
    private let challenges = Mutex<[String: String]>([:])
    private let transfers = Mutex<[Int: BlobTransfer]>([:])

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        let header = (challenge.failureResponse as? HTTPURLResponse)?.value(forHTTPHeaderField: "WWW-Authenticate")
        if let url = task.originalRequest?.url?.absoluteString {
            challenges.withLock { $0[url] = header ?? "" }
        }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    /// The challenge recorded for `url` (removed as it is read).
    func takeChallenge(for url: URL?) -> String? {
        guard let key = url?.absoluteString else { return nil }
        return challenges.withLock { $0.removeValue(forKey: key) }
    }

    /// Runs `task`, its body going to `transfer`; returns once the task completed.
    func stream(_ task: URLSessionDataTask, into transfer: BlobTransfer) async -> Result<HTTPURLResponse, ImageError> {
        transfers.withLock { $0[task.taskIdentifier] = transfer }
        task.resume()
        return await transfer.outcome()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let transfer = transfers.withLock { $0[dataTask.taskIdentifier] }
        transfer?.receive(data, response: dataTask.response as? HTTPURLResponse)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let transfer = transfers.withLock { $0.removeValue(forKey: task.taskIdentifier) }
        transfer?.complete(response: task.response as? HTTPURLResponse, error: error)
    }
}
