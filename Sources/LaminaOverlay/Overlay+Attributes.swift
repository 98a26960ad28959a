import Glibc
import LaminaSystem

/// setattr (chmod, chown, truncate, utimens) and readlink.
extension Overlay {
    func changeAttributes(of id: NodeID, _ changes: AttributeChanges, handle: UInt64?) throws -> stat {
        let node = try nodes.node(id)
        try requireWritable("setattr")
        if let size = changes.size {
            if let handle, handle != 0 {
                try FileDescriptor(rawValue: descriptor(for: handle)).truncate(to: size)
            } else if let orphan = orphans.descriptor(of: node) {
                try orphan.truncate(to: size)
            } else {
                try copyUp(node, data: size != 0)
                let file = try stack.upper.open(try upperPath(of: node), flags: O_WRONLY | O_NOFOLLOW)
                defer { file.close() }
                try file.truncate(to: size)
            }
        }
        let changesMetadata = changes.mode != nil || changes.uid != nil || changes.gid != nil
            || changes.accessTime != nil || changes.modificationTime != nil
        if changesMetadata {
            try copyUp(node)
            let path = try upperPath(of: node)
            if changes.uid != nil || changes.gid != nil {
                try stack.upper.setOwner(of: path, uid: changes.uid ?? uid_t.max, gid: changes.gid ?? gid_t.max)
            }
            if let mode = changes.mode, node.type != S_IFLNK {
                try stack.upper.setMode(mode & 0o7777, of: path)
            }
            if changes.accessTime != nil || changes.modificationTime != nil {
                try stack.upper.setTimes(
                    of: path, access: Self.timespec(changes.accessTime), modification: Self.timespec(changes.modificationTime))
            }
        }
        return try mergedAttributes(of: node)
    }

    private static func timespec(_ time: AttributeChanges.Time?) -> timespec {
        switch time {
        case nil: FileDescriptor.timeOmitted
        case .now: FileDescriptor.timeNow
        case .set(let value): value
        }
    }

    func symbolicLinkTarget(_ id: NodeID) throws -> [UInt8] {
        let node = try nodes.node(id)
        guard node.type == S_IFLNK else { throw SystemError("readlink", errno: EINVAL, path: "#\(id)") }
        let (root, path) = try location(of: node)
        return try root.readSymbolicLink(path)
    }
}
