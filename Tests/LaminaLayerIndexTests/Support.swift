import Foundation
import LaminaSystem
@testable import LaminaLayerIndex

/// A directory under /tmp removed when the value is dropped.
final class ScratchDirectory {
    let path: String

    init(_ label: String = "lamina-index-test") {
        path = "/tmp/\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Path components from text written in a test.
func components(_ text: String) -> [FileName] {
    text.split(separator: "/").map { part in
        guard let name = FileName(String(part)) else { preconditionFailure("not a name: \(part)") }
        return name
    }
}

func file(_ permissions: mode_t = 0o644, size: Int64 = 0, uid: uid_t = 0, seconds: Int64 = 1_700_000_000) -> LayerFileMetadata {
    LayerFileMetadata(kind: .regular, permissions: permissions, uid: uid, gid: uid, size: size, modificationSeconds: seconds, modificationNanoseconds: 123)
}

func directory(_ permissions: mode_t = 0o755) -> LayerFileMetadata {
    LayerFileMetadata(kind: .directory, permissions: permissions)
}

/// The file an index names at `path`, following directories from the root.
func resolve(_ index: LayerIndex, _ path: String) -> LayerIndexEntry? {
    let parts = components(path)
    guard let last = parts.last, let parent = index.directory(at: Array(parts.dropLast())) else { return nil }
    return index.lookup(last, in: parent)
}

/// Rewrites the checksum of index bytes after a test changed them on purpose.
func resealed(_ bytes: [UInt8]) -> [UInt8] {
    var bytes = bytes
    let checksum = bytes.withUnsafeBytes { IndexHashing.checksum($0, skipping: LayerIndexFormat.checksumOffset) }
    for index in 0..<8 { bytes[LayerIndexFormat.checksumOffset + index] = UInt8(truncatingIfNeeded: checksum >> UInt64(8 * index)) }
    return bytes
}

/// Writes a little-endian u32 into `bytes` at `offset`.
func poke32(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt32) {
    for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> UInt32(8 * index)) }
}

func sectionOffset(_ bytes: [UInt8], _ section: LayerIndexFormat.Section) -> Int {
    let entry = LayerIndexFormat.sectionTableOffset + section.rawValue * LayerIndexFormat.sectionEntrySize
    return (0..<8).reduce(0) { $0 | Int(bytes[entry + $1]) << (8 * $1) }
}
