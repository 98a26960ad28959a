import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A client for one registry's distribution API (v2): manifests and blobs, with anonymous, basic
/// and bearer-token authentication.
///
/// https://github.com/opencontainers/distribution-spec/blob/main/spec.md
/// The current `Authorization` header is behind a `Mutex`; everything else is immutable, so one
/// client may serve concurrent requests.
public final class RegistryClient: Sendable {
    public let host: String
    let base: String
    let credentials: RegistryCredentials?
    let session: URLSession
    let catcher = RegistryChallengeCatcher()
    /// The Authorization header the registry last asked for.
    let authorization = Mutex<String?>(nil)

    /// `insecure` uses plain http (for a registry on loopback).
    public init(host: String, insecure: Bool, credentials: RegistryCredentials?) {
        self.host = host
        let apiHost = host == "docker.io" ? "registry-1.docker.io" : host
        base = (insecure ? "http://" : "https://") + apiHost
        self.credentials = credentials
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        session = URLSession(configuration: configuration, delegate: catcher, delegateQueue: nil)
    }

    /// Fetches a manifest (or index) by tag or digest; returns its bytes and media type.
    func manifest(repository: String, reference: String) async throws(ImageError) -> (Data, String) {
        let accept = [
            MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifestList, MediaType.dockerManifest,
        ].joined(separator: ", ")
        let (data, response) = try await send("/v2/\(repository)/manifests/\(reference)", accept: accept, repository: repository)
        let header = response.value(forHTTPHeaderField: "Content-Type")?.split(separator: ";").first.map(String.init)
        return (data, header ?? "")
    }

    /// Fetches a blob into memory (configs; small).
    func blob(repository: String, digest: Digest) async throws(ImageError) -> Data {
        try await send("/v2/\(repository)/blobs/\(digest)", accept: "*/*", repository: repository).0
    }

    /// Downloads a blob to a file at `path`.
    func download(repository: String, digest: Digest, to path: String) async throws(ImageError) {
        let (location, response) = try await withAuthorization(
            "/v2/\(repository)/blobs/\(digest)", accept: "*/*", repository: repository
        ) { (request) throws(ImageError) in
            do {
                let (location, response) = try await session.download(for: request)
                guard let http = response as? HTTPURLResponse else { throw ImageError.registry("\(host): not an HTTP response") }
                return (location, http)
            } catch let error as ImageError {
                throw error
            } catch {
                throw .registry("\(host): \(error.localizedDescription)")
            }
        }
        defer { try? FileManager.default.removeItem(at: location) }
        try check(response, what: "blob \(digest)")
        do {
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: location.path, toPath: path)
        } catch {
            throw .registry("saving blob \(digest): \(error)")
        }
    }

    // MARK: Requests and authentication

    private func send(_ path: String, accept: String, repository: String) async throws(ImageError) -> (Data, HTTPURLResponse) {
        let (data, response) = try await withAuthorization(path, accept: accept, repository: repository) {
            (request) throws(ImageError) in try await perform(request)
        }
        try check(response, what: path)
        return (data, response)
    }

    /// Sends a request with the authorization the registry last asked for; on 401 answers the
    /// challenge (basic credentials, or a bearer token from the realm), keeps the answer, and retries once.
    func withAuthorization<T>(
        _ path: String, accept: String, repository: String,
        _ body: (URLRequest) async throws(ImageError) -> (T, HTTPURLResponse)
    ) async throws(ImageError) -> (T, HTTPURLResponse) {
        guard let url = URL(string: base + path) else { throw .registry("bad URL \(base + path)") }
        var request = URLRequest(url: url)
        request.setValue(accept, forHTTPHeaderField: "Accept")
        if let current = authorization.withLock({ $0 }) { request.setValue(current, forHTTPHeaderField: "Authorization") }
        let header: String?
        do {
            let first = try await body(request)
            guard first.1.statusCode == 401 else { return first }
            header = first.1.value(forHTTPHeaderField: "WWW-Authenticate")
        } catch {
            guard let caught = catcher.takeChallenge(for: request.url) else { throw error }
            header = caught
        }
        guard let header, let challenge = RegistryChallenge(header: header) else {
            throw .registry("\(host): authentication required and no challenge given")
        }
        let value = try await answer(challenge, repository: repository)
        authorization.withLock { $0 = value }
        request.setValue(value, forHTTPHeaderField: "Authorization")
        do {
            return try await body(request)
        } catch {
            if catcher.takeChallenge(for: request.url) != nil {
                throw .registry("\(host): access denied (the credentials were refused)")
            }
            throw error
        }
    }

    private func answer(_ challenge: RegistryChallenge, repository: String) async throws(ImageError) -> String {
        switch challenge.scheme.lowercased() {
        case "basic":
            guard let credentials else { throw .registry("\(host): authentication required (use --creds USER:PASSWORD)") }
            return credentials.basicHeader
        case "bearer":
            guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm) else {
                throw .registry("\(host): bearer challenge without a realm")
            }
            var query = components.queryItems ?? []
            if let service = challenge.parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
            query.append(URLQueryItem(name: "scope", value: challenge.parameters["scope"] ?? "repository:\(repository):pull"))
            components.queryItems = query
            guard let url = components.url else { throw .registry("\(host): bad token realm \(realm)") }
            var request = URLRequest(url: url)
            if let credentials { request.setValue(credentials.basicHeader, forHTTPHeaderField: "Authorization") }
            let (data, response) = try await perform(request)
            try check(response, what: "token from \(realm)")
            struct TokenResponse: Decodable {
                var token: String?
                var access_token: String?
            }
            let token = try ImageStore.decode(TokenResponse.self, data, what: "token response")
            guard let value = token.token ?? token.access_token else { throw .registry("\(host): token response without a token") }
            return "Bearer " + value
        default:
            throw .registry("\(host): unsupported authentication scheme \(challenge.scheme)")
        }
    }

    func perform(_ request: URLRequest) async throws(ImageError) -> (Data, HTTPURLResponse) {
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw ImageError.registry("\(host): not an HTTP response") }
            return (data, http)
        } catch let error as ImageError {
            throw error
        } catch {
            throw .registry("\(host): \(error.localizedDescription)")
        }
    }

    func check(_ response: URLResponse, what: String) throws(ImageError) {
        guard let http = response as? HTTPURLResponse else { throw .registry("\(host): not an HTTP response") }
        switch http.statusCode {
        case 200..<300: return
        case 401, 403: throw .registry("\(host): access denied to \(what) (HTTP \(http.statusCode))")
        case 404: throw .registry("\(host): \(what) not found")
        default: throw .registry("\(host): \(what): HTTP \(http.statusCode)")
        }
    }
}
