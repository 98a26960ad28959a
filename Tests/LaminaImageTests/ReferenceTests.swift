import Testing
@testable import LaminaImage

@Suite struct ReferenceTests {
    @Test(arguments: [
        ("busybox", nil, "busybox", "busybox:latest"),
        ("library/debian:12", nil, "debian", "debian:12"),
        ("docker.io/library/debian:12", nil, "debian", "debian:12"),
        ("index.docker.io/library/debian", nil, "debian", "debian:latest"),
        ("docker.io/someone/tool:2", nil, "someone/tool", "someone/tool:2"),
        ("127.0.0.1:5000/app/web:v1.2", "127.0.0.1:5000", "app/web", "127.0.0.1:5000/app/web:v1.2"),
        ("localhost/hello:1", "localhost", "hello", "localhost/hello:1"),
        ("quay.io/org/tool", "quay.io", "org/tool", "quay.io/org/tool:latest"),
    ] as [(String, String?, String, String)])
    func parsesReferences(_ text: String, _ host: String?, _ repository: String, _ normalized: String) throws {
        let reference = try ImageReference(parsing: text)
        #expect(reference.host == host)
        #expect(reference.repository == repository)
        #expect(reference.description == normalized)
    }

    @Test(arguments: ["", "UPPER:1", "a b", "name:", "-lead", "x@sha256:zz", "a//b"])
    func refusesBadReferences(_ text: String) {
        #expect(throws: ImageError.self) { try ImageReference(parsing: text) }
    }

    @Test(arguments: ["sha256:../../etc/passwd", "md5:abc", "sha256:ABCDEF", "sha256:" + String(repeating: "0", count: 63)])
    func refusesBadDigests(_ text: String) {
        #expect(throws: ImageError.invalidDigest(text)) { try Digest(parsing: text) }
    }

    @Test func parsesBearerChallenge() throws {
        let challenge = try #require(RegistryChallenge(
            header: #"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#))
        #expect(challenge.scheme == "Bearer")
        #expect(challenge.parameters == [
            "realm": "https://auth.example/token", "service": "registry.example", "scope": "repository:a/b:pull",
        ])
        #expect(RegistryChallenge(header: #"Basic realm="lamina""#)?.parameters == ["realm": "lamina"])
    }

    @Test func picksPlatforms() throws {
        let digest = Digest.of(.init())
        let index = ImageIndex(manifests: [
            Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: 1, platform: Platform(os: "linux", architecture: "arm", variant: "v6")),
            Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: 2, platform: Platform(os: "linux", architecture: "arm", variant: "v7")),
            Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: 3, platform: Platform(os: "linux", architecture: "amd64")),
        ])
        #expect(try index.manifest(for: Platform(parsing: "linux/arm/v7")).size == 2)
        #expect(try index.manifest(for: Platform(parsing: "linux/amd64")).size == 3)
        #expect(throws: ImageError.noMatchingPlatform("windows/amd64")) { try index.manifest(for: Platform(parsing: "windows/amd64")) }
    }
}

/// Docker's rule: a registry on the loopback interface is plain HTTP without --insecure.
@Suite struct LoopbackRegistryTests {
    @Test(arguments: [
        ("127.0.0.1:5000", true), ("127.9.8.7", true), ("localhost", true), ("localhost:5000", true), ("[::1]:5000", true),
        ("128.0.0.1:5000", false), ("127.0.0.1.example.com", false), ("localhost.example.com", false), ("docker.io", false),
        ("192.0.2.2:5000", false), ("127.0.0.256", false),
    ])
    func loopbackHosts(_ host: String, _ loopback: Bool) {
        #expect(RegistryClient.isLoopback(host) == loopback)
    }
}
