#if canImport(Glibc)
import Glibc
#endif

/// A claim on one image's layers and blobs by something outside the store that uses them (a
/// container runs on the unpacked layers, and its commit needs the image's manifest): while the
/// claim is live, `prune` keeps them and `remove` refuses to drop the image's last name.
///
/// Kept as `STORE/holds/HOLDER.json`. A claim is live while its `ownerPath` exists (the
/// container's directory), so one whose owner vanished without releasing it (a killed process,
/// a removed store of containers) stops holding anything. Immutable value.
public struct LayerHold: Codable, Sendable, Equatable {
    /// The holder's id (a container id): the file name, `[0-9A-Za-z_.-]`, at most 128 bytes.
    public var holder: String
    /// Who holds it, for messages: "container web (3f2a...)".
    public var description: String
    /// The claim is live while this path exists.
    public var ownerPath: String
    /// The image id (config digest) and the manifest the holder was made from.
    public var imageID: Digest
    public var manifest: Digest
    /// The layers, by diff id, bottom first.
    public var diffIDs: [Digest]

    static func isValidHolder(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128 && text.utf8.first != UInt8(ascii: ".")
            && text.utf8.allSatisfy { isalnum(Int32($0)) != 0 && $0 < 0x80 || "_.-".utf8.contains($0) }
    }
}

/// An image held for a user of its layers: what it is, and its unpacked layer directories,
/// top-most first (the lower layers of a mount).
///
/// Immutable value.
public struct HeldImage: Sendable {
    public var details: ImageDetails
    public var layerDirectories: [String]
}
