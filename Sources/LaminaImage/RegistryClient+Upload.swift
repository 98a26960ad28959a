import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension RegistryClient {
    /// Whether the registry holds blob `digest` in `repository` (HEAD).
    func blobExists(repository: String, digest: Digest) async throws(ImageError) -> Bool {
        let (_, response) = try await withAuthorization(
            try request("/v2/\(repository)/blobs/\(digest)", method: "HEAD"), repository: repository, push: true
        ) { (request) throws(ImageError) in try await perform(request) }
        if response.statusCode == 404 { return false }
        try check(response, what: "blob \(digest)")
        return true
    }

    /// Uploads the file at `path` as blob `digest` of `size` bytes: a monolithic upload (POST
    /// for a session, then one PUT of the whole body with the digest), streamed from the file.
    /// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-a-blob-monolithically
    func upload(repository: String, digest: Digest, size: Int64, from path: String) async throws(ImageError) {
        let (_, started) = try await send(
            try request("/v2/\(repository)/blobs/uploads/", method: "POST"), repository: repository, push: true,
            what: "upload of blob \(digest)")
        guard let location = started.value(forHTTPHeaderField: "Location"), var components = URLComponents(string: location) else {
            throw .registry("\(host): upload of blob \(digest) started without a Location")
        }
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "digest", value: digest.description)]
        guard let target = components.string else { throw .registry("\(host): bad upload location \(location)") }
        var put = try request(target, method: "PUT")
        put.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        put.setValue(String(size), forHTTPHeaderField: "Content-Length")
        let file = URL(fileURLWithPath: path)
        let (data, response) = try await withAuthorization(put, repository: repository, push: true) { (request) throws(ImageError) in
            try await perform(request, bodyFrom: file)
        }
        try check(response, what: "upload of blob \(digest)", body: data)
    }

    /// Stores a manifest under `reference` (a tag, or its digest).
    func putManifest(repository: String, reference: String, data: Data, mediaType: String) async throws(ImageError) {
        var put = try request("/v2/\(repository)/manifests/\(reference)", method: "PUT")
        put.setValue(mediaType, forHTTPHeaderField: "Content-Type")
        put.httpBody = data
        _ = try await send(put, repository: repository, push: true, what: "manifest \(repository):\(reference)")
    }
}
