import Crypto
import Foundation
import LaminaImage

/// The store's digest type (swift-crypto also exports a `Digest`).
public typealias Digest = LaminaImage.Digest

extension LaminaImage.Digest {
    /// The digest of bytes in memory.
    static func sha256(_ bytes: some DataProtocol) -> LaminaImage.Digest { LaminaImage.Digest(SHA256.hash(data: bytes)) }

    /// The hash's 32 bytes (a layer index keeps digests as bytes).
    var bytes: [UInt8] {
        let hex = Array(encoded.utf8)
        return stride(from: 0, to: hex.count, by: 2).map { index in
            func value(_ byte: UInt8) -> UInt8 { byte <= 57 ? byte - 48 : byte - 87 }
            return value(hex[index]) << 4 | value(hex[index + 1])
        }
    }
}
