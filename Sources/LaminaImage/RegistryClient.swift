import Foundation
import LaminaSystem
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A client for one registry's distribution API (v2): manifests and blobs down (`+Download`...
/// here) and up (`RegistryClient+Upload`), with anonymous, basic and bearer-token authentication.
///
/// https://github.com/opencontainers/distribution-spec/blob/main/spec.md
/// A registry on loopback (127.0.0.0/8, localhost, ::1) is spoken to in plain HTTP, as docker
/// does; others in HTTPS unless `insecure`. The current `Authorization` header is behind a
/// `Mutex`; everything else is immutable, so one client may serve concurrent requests.
public final class RegistryClient: Sendable {
    public let host: String
    let base: String
    let credentials: RegistryCredentials?
    let session: URLSession
    let delegate = RegistrySessionDelegate()
    /// The Authorization header the registry last asked for.
    let authorization = Mutex<String?>(nil)

    /// How long a request may wait for the registry's next bytes before it fails (a registry that
    /// accepts a connection and then stalls): a minute, as for any HTTP client.
    public static let defaultIdleTimeout: TimeInterval = 60

    /// `insecure` uses plain HTTP (registries on loopback always do).
    public init(host: String, insecure: Bool, credentials: RegistryCredentials?, idleTimeout: TimeInterval = RegistryClient.defaultIdleTimeout) {
        self.host = host
        let apiHost = host == "docker.io" ? "registry-1.docker.io" : host
        base = (insecure || Self.isLoopback(host) ? "http://" : "https://") + apiHost
        self.credentials = credentials
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    /// Whether `host` (with or without a port) is this machine's loopback interface.
    public static func isLoopback(_ host: String) -> Bool {
        var name = Substring(host)
        if name.hasPrefix("["), let close = name.firstIndex(of: "]") {
            name = name[name.index(after: name.startIndex)..<close]
        } else if let colon = name.lastIndex(of: ":"), name.filter({ $0 == ":" }).count == 1 {
            name = name[..<colon]
        }
        if name == "localhost" || name == "::1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Fetches a manifest (or index) by tag or digest; returns its bytes and media type.
    func manifest(repository: String, reference: String) async throws(ImageError) -> (Data, String) {
        let accept = [
            MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifestList, MediaType.dockerManifest,
        ].joined(separator: ", ")
        let (data, response) = try await send(
            try request("/v2/\(repository)/manifests/\(reference)", accept: accept), repository: repository,
            what: "manifest \(repository):\(reference)")
        let header = response.value(forHTTPHeaderField: "Content-Type")?.split(separator: ";").first.map(String.init)
        return (data, header ?? "")
    }

    /// Fetches a blob into memory (configs; small).
    func blob(repository: String, digest: Digest) async throws(ImageError) -> Data {
        try await send(try request("/v2/\(repository)/blobs/\(digest)", accept: "*/*"), repository: repository, what: "blob \(digest)").0
    }

    /// Downloads a blob to a file at `path`, streamed as it arrives; `progress` hears the bytes
    /// written so far.
    func download(
        repository: String, digest: Digest, to path: String, progress: (@Sendable (Int64) -> Void)? = nil
    ) async throws(ImageError) {
        let file = try ImageError.system { () throws(SystemError) in
            try FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        }
        defer { file.close() }
        let (transfer, response) = try await withAuthorization(
            try request("/v2/\(repository)/blobs/\(digest)", accept: "*/*"), repository: repository
        ) { (request) throws(ImageError) in
            try ImageError.system { () throws(SystemError) in try file.truncate(to: 0) }
            let transfer = BlobTransfer(file: file, base: base, progress: progress)
            let response = try await delegate.stream(session.dataTask(with: request), into: transfer).get()
            return (transfer, response)
        }
        try check(response, what: "blob \(digest)", body: transfer.errorBody)
    }

    // MARK: Requests and authentication

    /// A request for `path` on this registry; an absolute URL (an upload's Location) is kept.
    func request(_ path: String, method: String = "GET", accept: String? = nil) throws(ImageError) -> URLRequest {
        let text = path.hasPrefix("http://") || path.hasPrefix("https://") ? path : base + path
        guard let url = URL(string: text) else { throw .registry("bad URL \(text)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        return request
    }

    /// Sends `request` (with authorization) and checks that it succeeded.
    func send(_ request: URLRequest, repository: String, push: Bool = false, what: String) async throws(ImageError) -> (Data, HTTPURLResponse) {
        let (data, response) = try await withAuthorization(request, repository: repository, push: push) {
            (request) throws(ImageError) in try await perform(request)
        }
        try check(response, what: what, body: data)
        return (data, response)
    }

    /// Sends a request with the authorization the registry last asked for; on 401 answers the
    /// challenge (basic credentials, or a bearer token from the realm, for pulling or, with
    /// `push`, pushing too), keeps the answer, and retries once.
    func withAuthorization<T>(
        _ request: URLRequest, repository: String, push: Bool = false,
        _ body: (URLRequest) async throws(ImageError) -> (T, HTTPURLResponse)
    ) async throws(ImageError) -> (T, HTTPURLResponse) {
        var request = request
        if let current = authorization.withLock({ $0 }) { request.setValue(current, forHTTPHeaderField: "Authorization") }
        let header: String?
        do {
            let first = try await body(request)
            guard first.1.statusCode == 401 else { return first }
            header = first.1.value(forHTTPHeaderField: "WWW-Authenticate")
        } catch {
            guard let caught = delegate.takeChallenge(for: request.url) else { throw error }
            header = caught
        }
        guard let header, let challenge = RegistryChallenge(header: header) else {
            throw .registry("\(host): authentication required and no challenge given")
        }
        let value = try await answer(challenge, repository: repository, push: push)
        authorization.withLock { $0 = value }
        request.setValue(value, forHTTPHeaderField: "Authorization")
        do {
            return try await body(request)
        } catch {
            if delegate.takeChallenge(for: request.url) != nil {
                throw .registry("\(host): access denied (the credentials were refused)")
            }
            throw error
        }
    }

    private func answer(_ challenge: RegistryChallenge, repository: String, push: Bool) async throws(ImageError) -> String {
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
            let actions = push ? "pull,push" : "pull"
            query.append(URLQueryItem(name: "scope", value: challenge.parameters["scope"] ?? "repository:\(repository):\(actions)"))
            components.queryItems = query
            guard let url = components.url else { throw .registry("\(host): bad token realm \(realm)") }
            var request = URLRequest(url: url)
            if let credentials { request.setValue(credentials.basicHeader, forHTTPHeaderField: "Authorization") }
            let (data, response) = try await perform(request)
            try check(response, what: "token from \(realm)", body: data)
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

    /// Sends `request`, its body read from `file` when given (streamed, for uploads).
    func perform(_ request: URLRequest, bodyFrom file: URL? = nil) async throws(ImageError) -> (Data, HTTPURLResponse) {
        do {
            let (data, response): (Data, URLResponse)
            if let file {
                (data, response) = try await session.upload(for: request, fromFile: file)
            } else {
                (data, response) = try await session.data(for: request)
            }
            guard let http = response as? HTTPURLResponse else { throw ImageError.registry("\(host): not an HTTP response") }
            return (data, http)
        } catch let error as ImageError {
            throw error
        } catch {
            throw .transport(base, error)
        }
    }

    /// Fails unless the response is a success; the registry's own error message, if its body
    /// has one, goes into the line.
    func check(_ response: HTTPURLResponse, what: String, body: Data = Data()) throws(ImageError) {
        struct Errors: Decodable {
            struct Entry: Decodable {
                var code: String?
                var message: String?
            }
            var errors: [Entry]
        }
        let detail = (try? JSONDecoder().decode(Errors.self, from: body))?.errors.first
            .map { ": " + [$0.code, $0.message].compactMap { $0 }.joined(separator: " ") } ?? ""
        switch response.statusCode {
        case 200..<300: return
        case 401, 403: throw .registry("\(host): access denied to \(what) (HTTP \(response.statusCode))\(detail)")
        case 404: throw .registry("\(host): \(what) not found\(detail)")
        default: throw .registry("\(host): \(what): HTTP \(response.statusCode)\(detail)")
        }
    }
}

extension ImageError {
    /// A request to `base` that got no answer, as one line; a TLS handshake that failed against
    /// a registry (which may speak plain HTTP) says how to use plain HTTP.
    static func transport(_ base: String, _ error: any Error) -> ImageError {
        let host = base.split(separator: "/").last.map(String.init) ?? base
        let message = error.localizedDescription
        let tlsFailed = (error as? URLError).map {
            [.secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
             .serverCertificateHasUnknownRoot, .clientCertificateRejected].contains($0.code)
        } ?? false
        if base.hasPrefix("https://") && (tlsFailed || message.contains("SSL") || message.contains("TLS")) {
            return .registry("\(host): TLS handshake failed (\(message)); if the registry speaks plain HTTP, use --insecure")
        }
        // Foundation on Linux describes most URL errors only as "The operation could not be completed".
        if let code = (error as? URLError)?.code, let reason = Self.reason(code) {
            return .registry("\(host): \(reason)")
        }
        return .registry("\(host): \(message)")
    }

    private static func reason(_ code: URLError.Code) -> String? {
        switch code {
        case .timedOut: "no answer in time: the registry accepted the request and then sent nothing (stalled)"
        case .cannotConnectToHost: "cannot connect: nothing accepts connections there"
        case .networkConnectionLost: "the connection was lost in the middle of a request"
        case .cannotFindHost, .dnsLookupFailed: "unknown host name"
        case .notConnectedToInternet: "no network"
        default: nil
        }
    }
}
