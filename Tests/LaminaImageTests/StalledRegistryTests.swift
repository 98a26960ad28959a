import Foundation
import Glibc
import LaminaSystem
import Testing
@testable import LaminaImage

/// A registry that accepts connections and never answers (`SilentListener`): a pull and a push
/// fail with the error of the store's idle timeout (2 s here), naming the registry and saying it
/// stalled, instead of hanging, and leave nothing in the store (no image, no staging). The time
/// taken is printed, not checked: in the full suite the awaiting task may wait minutes for a
/// thread of the cooperative pool, which the synchronous mount tests hold.
@Suite struct StalledRegistryTests {
    /// A free loopback port: bind port 0, read it back, close.
    static func freePort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SystemError("socket", errno: errno) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 ? getsockname(descriptor, pointer, &length) : -1
            }
        }
        guard named == 0 else { throw SystemError("bind 127.0.0.1:0", errno: errno) }
        return UInt16(bigEndian: address.sin_port)
    }

    @Test func aPullFromAStalledRegistryFailsWithinTheIdleTimeout() async throws {
        let temp = TemporaryDirectory()
        let address = "127.0.0.1:\(try Self.freePort())"
        let silent = try SilentListener(address: address)
        defer { silent.stop() }
        let store = try ImageStore(root: temp.sub("store"), registryIdleTimeout: 2)
        let start = ContinuousClock.now
        let error = await #expect(throws: ImageError.self) { try await store.pull("\(address)/stalled/image:1", insecure: true) }
        let elapsed = ContinuousClock.now - start
        print("pull from a stalled registry: \(error.map { "\($0)" } ?? "no error") after \(elapsed)")
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains(address) && message.contains("stalled"), "the error names the registry and says it stalled: \(message)")
        #expect(silent.accepted > 0, "fixture: the pull reached the silent listener")
        #expect(try store.images().isEmpty)
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: store.stagingDirectory)) ?? []
        #expect(staging.isEmpty, "left in staging: \(staging)")
    }

    @Test func aPushToAStalledRegistryFailsWithinTheIdleTimeout() async throws {
        let temp = TemporaryDirectory()
        let layer = try LayerFixture.make([file("hello", "world\n")], in: temp.sub("layers"))
        let image = try ImageFixture.make(at: temp.sub("layout"), name: "local:1", layers: [layer])
        let store = try ImageStore(root: temp.sub("store"), registryIdleTimeout: 2)
        try store.importLayout(at: image.layout)
        let address = "127.0.0.1:\(try Self.freePort())"
        let silent = try SilentListener(address: address)
        defer { silent.stop() }
        let start = ContinuousClock.now
        let error = await #expect(throws: ImageError.self) { try await store.push("local:1", to: "\(address)/stalled/image:1", insecure: true) }
        let elapsed = ContinuousClock.now - start
        print("push to a stalled registry: \(error.map { "\($0)" } ?? "no error") after \(elapsed)")
        #expect(silent.accepted > 0, "fixture: the push reached the silent listener")
        #expect((error.map { "\($0)" } ?? "").contains("stalled"), "the error says the registry stalled")
        #expect(try store.images().compactMap(\.name) == ["local:1"])
    }
}
