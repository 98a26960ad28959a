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
            } else if let orphan = try orphans.writableDescriptor(of: node, promote: { try privateCopy(of: $0) }) {
                try orphan.truncate(to: size)
            } else {
                try copyUp(node, data: size != 0)
                let file = try openFile(of: node, flags: O_WRONLY)
                defer { file.close() }
                try file.truncate(to: size)
            }
        }
        let changesMetadata = changes.mode != nil || changes.uid != nil || changes.gid != nil
            || changes.accessTime != nil || changes.modificationTime != nil
        if changesMetadata {
            try copyUp(node)
            try withUpperLocation(node) { directory, name in
                if changes.uid != nil || changes.gid != nil {
                    try directory.setOwner(of: name, uid: changes.uid ?? uid_t.max, gid: changes.gid ?? gid_t.max)
                }
                if let mode = changes.mode, node.type != S_IFLNK {
                    try directory.setMode(mode & 0o7777, of: name)
                }
                if changes.accessTime != nil || changes.modificationTime != nil {
                    try directory.setTimes(
                        of: name, access: Self.timespec(changes.accessTime), modification: Self.timespec(changes.modificationTime))
                }
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
        return try withLocation(node) { try readLink($0) }
    }
}
