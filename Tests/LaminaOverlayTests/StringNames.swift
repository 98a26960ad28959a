import Glibc
import LaminaSystem
@testable import LaminaOverlay

/// Test-only conveniences: names written as Swift strings (always valid names here, ASCII or
/// deliberately odd UTF-8), turned into `FileName`s. The engine itself takes bytes only.
func name(_ text: String) -> FileName {
    guard let name = FileName(text) else { preconditionFailure("not a name: \(text.debugDescription)") }
    return name
}

extension Overlay {
    func lookup(parent: NodeID, name text: String) throws -> Entry { try lookup(parent: parent, name: name(text)) }
    func create(parent: NodeID, name text: String, mode: mode_t, flags: Int32, caller: Caller) throws -> (Entry, OpenedFile) {
        try create(parent: parent, name: name(text), mode: mode, flags: flags, caller: caller)
    }
    func makeDirectory(parent: NodeID, name text: String, mode: mode_t, caller: Caller) throws -> Entry {
        try makeDirectory(parent: parent, name: name(text), mode: mode, caller: caller)
    }
    func makeNode(parent: NodeID, name text: String, mode: mode_t, device: dev_t, caller: Caller) throws -> Entry {
        try makeNode(parent: parent, name: name(text), mode: mode, device: device, caller: caller)
    }
    func makeSymbolicLink(parent: NodeID, name text: String, target: [UInt8], caller: Caller) throws -> Entry {
        try makeSymbolicLink(parent: parent, name: name(text), target: target, caller: caller)
    }
    func link(_ node: NodeID, newParent: NodeID, newName text: String) throws -> Entry {
        try link(node, newParent: newParent, newName: name(text))
    }
    func removeFile(parent: NodeID, name text: String) throws { try removeFile(parent: parent, name: name(text)) }
    func removeDirectory(parent: NodeID, name text: String) throws { try removeDirectory(parent: parent, name: name(text)) }
    func rename(parent: NodeID, name text: String, newParent: NodeID, newName: String, flags: RenameFlags) throws {
        try rename(parent: parent, name: name(text), newParent: newParent, newName: name(newName), flags: flags)
    }
}
