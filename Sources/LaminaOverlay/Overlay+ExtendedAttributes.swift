import Glibc
import LaminaSystem

/// xattrs of the merged view: read from where the node lives, written after a copy-up. The
/// overlay's own markers are invisible: listed never, read as absent, written never (EPERM).
extension Overlay {
    func attribute(_ node: Node, name: String) throws -> [UInt8] {
        guard !OverlayAttribute.isPrivate(name) else { throw SystemError("getxattr", errno: ENODATA, path: name) }
        guard let value = try withLocation(node, { try self.attribute(name, $0) }) else {
            throw SystemError("getxattr", errno: ENODATA, path: name)
        }
        return value
    }

    func attributeNames(_ node: Node) throws -> [String] {
        try withLocation(node) { try attributeNames($0) }.filter { !OverlayAttribute.isPrivate($0) }
    }

    func setAttribute(_ node: Node, name: String, value: [UInt8], flags: Int32) throws {
        try requireWritable("setxattr")
        guard !OverlayAttribute.isPrivate(name) else { throw SystemError("setxattr", errno: EPERM, path: name) }
        try copyUp(node)
        try withUpperLocation(node) { try $0.setExtendedAttribute(name, value: value, of: $1, flags: flags) }
    }

    func removeAttribute(_ node: Node, name: String) throws {
        try requireWritable("removexattr")
        guard !OverlayAttribute.isPrivate(name) else { throw SystemError("removexattr", errno: EPERM, path: name) }
        _ = try attribute(node, name: name)  // ENODATA without copying up
        try copyUp(node)
        try withUpperLocation(node) { try $0.removeExtendedAttribute(name, of: $1) }
    }
}
