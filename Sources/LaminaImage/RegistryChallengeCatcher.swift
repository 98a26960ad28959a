import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Turns a registry's 401 into an answer the client can act on.
///
/// On Linux, `URLSession` answers a 401 carrying `WWW-Authenticate` by asking its delegate and,
/// with none, never completes the request. This delegate records the challenge header (by URL),
/// cancels the request, and the client reads the header back to authenticate and retry. The
/// recorded headers are behind a `Mutex`.
final class RegistryChallengeCatcher: NSObject, URLSessionTaskDelegate, Sendable {
    private let challenges = Mutex<[String: String]>([:])

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
}
