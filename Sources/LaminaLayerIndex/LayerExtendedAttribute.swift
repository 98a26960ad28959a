/// One extended attribute of a layer's file: name and value as bytes.
///
/// Immutable value.
public struct LayerExtendedAttribute: Sendable, Equatable, Hashable {
    public var name: [UInt8]
    public var value: [UInt8]

    public init(name: [UInt8], value: [UInt8]) {
        self.name = name
        self.value = value
    }

    public init(name: String, value: [UInt8]) {
        self.init(name: Array(name.utf8), value: value)
    }

    /// The name as text (xattr names are ASCII in practice; other bytes are replaced).
    public var nameText: String { String(decoding: name, as: UTF8.self) }

    /// Namespaces that belong to an overlay implementation (kernel overlayfs, fuse-overlayfs), not
    /// to the file: never part of a layer's view.
    static let overlayPrefixes: [[UInt8]] = ["trusted.overlay.", "user.overlay.", "user.fuseoverlayfs."].map { Array($0.utf8) }

    /// True for an overlay implementation's own attribute.
    public var isOverlayPrivate: Bool {
        Self.overlayPrefixes.contains { name.starts(with: $0) }
    }

    /// True for an `overlay.opaque=y` marker (in any of the overlay namespaces).
    var marksOpaque: Bool {
        isOverlayPrivate && name.reversed().starts(with: Array("opaque".utf8).reversed()) && value == Array("y".utf8)
    }
}
