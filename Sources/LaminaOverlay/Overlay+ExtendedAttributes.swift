import Glibc
import LaminaSystem

/// xattrs of the merged view: read from where the node lives, written after a copy-up. The
/// overlay's own markers are invisible: listed never, read as absent, written never (EPERM).
extension Overlay {
    func attribute(_ node: Node, name: String) throws -> [UInt8] {
        guard !OverlayAttribute.isPrivate(name) else { throw SystemError("getxattr", errno: ENODATA, path: name) }
        let (root, path) = try location(of: node)
        guard let value = try root.extendedAttribute(name, of: path) else {
            throw SystemError("getxattr", errno: ENODATA, path: name)
        }
        return value
    }

    func attributeNames(_ node: Node) throws -> [String] {
        let (root, path) = try location(of: node)
        return try root.extendedAttributeNames(of: path).filter { !OverlayAttribute.isPrivate($0) }
    }

    func setAttribute(_ node: Node, name: String, value: [UInt8], flags: Int32) throws {
        try requireWritable("setxattr")
        guard !OverlayAttribute.isPrivate(name) else { throw SystemError("setxattr", errno: EPERM, path: name) }
        try copyUp(node)
        try stack.upper.setExtendedAttribute(name, value: value, of: try upperPath(of: node), flags: flags)
    }

    func removeAttribute(_ node: Node, name: String) throws {
        try requireWritable("removexattr")
        guard !OverlayAttribute.isPrivate(name) else { throw SystemError("removexattr", errno: EPERM, path: name) }
        _ = try attribute(node, name: name)  // ENODATA without copying up
        try copyUp(node)
        try stack.upper.removeExtendedAttribute(name, of: try upperPath(of: node))
    }
}
